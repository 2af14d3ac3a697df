import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildModuleIndex, globMatch, modulesFor, parseModulesAlias } from '../../../overlay/supervisor/modalias.js';

// A slice of a real modules.alias (format: "alias PATTERN MODULE").
const MODULES_ALIAS = `# Aliases extracted from modules themselves.
alias pci:v00008086d0000100Esv*sd*bc*sc*i* e1000
alias pci:v00001AF4d00001000sv*sd*bc*sc*i* virtio_net
alias virtio:d00000001v* virtio_net
alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci
alias usb:v*p*d*dc*dsc*dp*ic08isc06ip50in* usb_storage
alias usb:v*p*d*dc*dsc*dp*ic08isc06ip62in* uas
alias acpi*:PNP0700:* floppy
alias pnp:dPNP0700* floppy
alias platform:rtc_cmos rtc-cmos
alias fs-vfat vfat
alias pci:v00008086d00002922sv*sd*bc*sc*i* ahci
alias pci:v*d*sv*sd*bc01sc06i01* ahci
alias of:N*T*Cfoo,bar[0-9] foo_bar
`;

/** fnmatch(3) without flags as a RegExp: the reference globMatch is held to. */
function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

describe('globMatch (fnmatch)', () => {
  it.each([
    ['a*c', 'abbbc', true],
    ['a*c', 'abbb', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['x[0-9]', 'x7', true],
    ['x[!0-9]', 'x7', false],
    ['x[!0-9]', 'xa', true],
    ['a.b', 'axb', false],
    ['a[b', 'a[b', true],
    ['pci:v*d*', 'pci:v1d2', true],
  ])('%s vs %s → %s', (glob, s, want) => {
    expect(globToRegExp(glob).test(s)).toBe(want);
    expect(globMatch(glob, s)).toBe(want);
  });

  it('globMatch answers as the RegExp does, for any glob and text', () => {
    const piece = fc.oneof(
      fc.constantFrom('a', 'b', '0', '9', ':', '*', '?', '[', '-', '!'),
      fc.constantFrom('[ab]', '[!a]', '[0-9]', '[a-]', '[-b]', '[^0]', '[]a]', '[a-b-9]'),
    );
    const glob = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
    const text = fc.array(fc.constantFrom('a', 'b', '0', '5', '9', ':', '-', '[', ']', '!'), { maxLength: 10 });
    fc.assert(
      fc.property(glob, text, (g, t) => {
        const s = t.join('');
        // A reversed range ("[a-[]") is no RegExp at all; it matches nothing.
        let want = false;
        try {
          want = globToRegExp(g).test(s);
        } catch {
          /* no match */
        }
        expect(globMatch(g, s)).toBe(want);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('modulesFor', () => {
  it('parses the alias file', () => {
    const rules = parseModulesAlias(MODULES_ALIAS);
    expect(rules).toHaveLength(13);
    expect(rules[0]).toEqual({ pattern: 'pci:v00008086d0000100Esv*sd*bc*sc*i*', module: 'e1000' });
  });

  it.each<[string, string[]]>([
    ['pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00', ['e1000']],
    ['pci:v00001B36d0000000Dsv00001AF4sd00001100bc0Csc03i30', ['xhci_pci']],
    ['usb:v46F4p0001d0000dc00dsc00dp00ic08isc06ip50in00', ['usb_storage']],
    ['acpi:PNP0700:', ['floppy']],
    ['pnp:dPNP0700', ['floppy']],
    ['platform:rtc_cmos', ['rtc-cmos']],
    ['pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01', ['ahci']],
    ['of:NfooTbarCfoo,bar3', ['foo_bar']],
    ['acpi:ACPI0013:', []],
  ])('%s → %j', (alias, want) => {
    expect(buildModuleIndex(parseModulesAlias(MODULES_ALIAS)).lookup(alias)).toEqual(want);
  });

  it('all devices of a QEMU box → sorted unique modules', () => {
    const present = [
      'pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00',
      'pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00',
      'virtio:d00000001v00001AF4',
      'pci:v00001B36d0000000Dsv00001AF4sd00001100bc0Csc03i30',
      'usb:v46F4p0001d0000dc00dsc00dp00ic08isc06ip50in00',
      'acpi:PNP0700:',
      'platform:rtc_cmos',
      '',
      'cpu:type:x86,ven0000fam0006mod003F:feature:,0000',
    ];
    expect(modulesFor(present, MODULES_ALIAS)).toEqual([
      'e1000',
      'floppy',
      'rtc_cmos',
      'usb_storage',
      'virtio_net',
      'xhci_pci',
    ]);
  });
});
