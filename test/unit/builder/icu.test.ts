import { describe, expect, it } from 'vitest';
import {
  findCommonData,
  icuDataNames,
  keepIcuItem,
  parseCommonData,
  reduceCommonData,
  writeCommonData,
  type IcuPackage,
} from '../../../builder/stages/icu.js';

function header(): Buffer {
  const h = Buffer.alloc(32);
  h.writeUInt16LE(32, 0);
  h[2] = 0xda;
  h[3] = 0x27;
  h.write('CmnD', 12, 'latin1');
  return h;
}
const pkg = (names: string[]): IcuPackage => ({
  header: header(),
  items: names.map((name, i) => ({ name, data: Buffer.alloc(5 + i, i + 1) })),
});

describe('ICU common data', () => {
  it('round-trips a package: items 16-byte aligned, data unchanged', () => {
    const p = pkg(['icudt76l/coll/root.res', 'icudt76l/en.res', 'icudt76l/zoneinfo64.res']);
    const bytes = writeCommonData(p);
    const back = parseCommonData(bytes);
    expect(back.items.map((i) => i.name)).toEqual(p.items.map((i) => i.name));
    back.items.forEach((it, i) => {
      expect(it.data.subarray(0, p.items[i]!.data.length).equals(p.items[i]!.data)).toBe(true);
      expect((it.data.byteOffset - bytes.byteOffset) % 16).toBe(0);
    });
  });

  it('finds the package inside a library body', () => {
    const bytes = writeCommonData(pkg(['icudt76l/en.res']));
    const lib = Buffer.concat([Buffer.from('\x7fELF....CmnD but no magic'), bytes]);
    expect(findCommonData(lib)).toBe(lib.length - bytes.length);
  });

  it('keeps English, root and locale-independent data; drops other locales, converters, transliterators, segmentation dictionaries', () => {
    const keep = [
      'icudt76l/en.res',
      'icudt76l/en_US_POSIX.res',
      'icudt76l/root.res',
      'icudt76l/res_index.res',
      'icudt76l/curr/pool.res',
      'icudt76l/zoneinfo64.res',
      'icudt76l/metaZones.res',
      'icudt76l/coll/ucadata.icu',
      'icudt76l/brkitr/word.brk',
      'icudt76l/brkitr/line.brk',
      'icudt76l/uts46.nrm',
      'icudt76l/nfkc.nrm',
      'icudt76l/zone/tzdbNames.res',
    ];
    const drop = [
      'icudt76l/de.res',
      'icudt76l/zh_Hant_TW.res',
      'icudt76l/coll/de__PHONEBOOK.res',
      'icudt76l/ibm-943_P15A-2003.cnv',
      'icudt76l/translit/root.res',
      'icudt76l/lang/fr.res',
      'icudt76l/brkitr/cjdict.dict',
      'icudt76l/brkitr/line_loose_cj.brk',
      'icudt76l/unames.icu',
      'icudt76l/rfc3491.spp',
    ];
    for (const n of keep) expect(keepIcuItem(n), n).toBe(true);
    for (const n of drop) expect(keepIcuItem(n), n).toBe(false);
    expect(reduceCommonData(pkg([...keep, ...drop])).items.map((i) => i.name)).toEqual(keep);
  });

  it('names the library and entry point after the ICU major version', () => {
    expect(icuDataNames('libicudata.so.76.1')).toEqual({ soname: 'libicudata.so.76', symbol: 'icudt76_dat' });
    expect(() => icuDataNames('libicuuc.so.76.1')).toThrow(/not an ICU data library/);
  });

  it('refuses what is not common data', () => {
    expect(() => parseCommonData(Buffer.alloc(64))).toThrow(/bad magic/);
  });
});
