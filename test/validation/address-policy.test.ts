import {describe, expect, it} from 'vitest'
import {isNonPublicAddress} from '../../src/validation/network/address-policy.js'

describe('address policy of the website check', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['255.255.255.255', true],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fd12:3456::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:10.0.0.1', true],
    ['not-an-ip', true],
    ['93.184.215.14', false],
    ['172.32.0.1', false],
    ['8.8.8.8', false],
    ['2606:4700::1111', false],
  ])('given %s, when judged, then non-public is %s', (address, expected) => {
    expect(isNonPublicAddress(address)).toBe(expected)
  })
})
