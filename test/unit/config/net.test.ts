import { expect, test } from 'vitest';
import { inSubnet, isNetmask, parseCidr, parseHostPort, parseIp } from '../../../overlay/config/net.js';

test('addresses', () => {
  expect(parseIp('10.0.0.1')).toEqual({ family: 4, value: 0x0a000001n });
  expect(parseIp('10.0.0.256')).toBeUndefined();
  expect(parseIp('01.2.3.4')).toBeUndefined();
  expect(parseIp('2001:db8::1')?.family).toBe(6);
  expect(parseIp('::ffff:10.0.0.1')?.value).toBe(0xffff0a000001n);
  expect(parseIp('2001:db8::1::2')).toBeUndefined();
});
test('subnets', () => {
  const net = parseCidr('192.0.2.2/24')!;
  expect(inSubnet(parseIp('192.0.2.200')!, net)).toBe(true);
  expect(inSubnet(parseIp('192.0.3.1')!, net)).toBe(false);
  expect(inSubnet(parseIp('2001:db8::5')!, parseCidr('2001:db8::1/64')!)).toBe(true);
  expect(parseCidr('10.0.0.1/33')).toBeUndefined();
  expect(parseCidr('10.0.0.1', true)?.prefix).toBe(32);
});
test('netmasks and host:port', () => {
  expect(isNetmask('255.255.255.0')).toBe(true);
  expect(isNetmask('255.0.255.0')).toBe(false);
  expect(parseHostPort('10.0.0.1:80')?.port).toBe(80);
  expect(parseHostPort('[2001:db8::1]:443')?.ip?.family).toBe(6);
  expect(parseHostPort('10.0.0.1:70000')).toBeUndefined();
});
