-- SS58 addresses, checked in SQL: a caller's hotkey is an identity only when it is a valid SS58 address
-- of the configured network (Bittensor: prefix 42), spelt the one canonical way. Otherwise `Hotkey ` and
-- `hotkey` would be two validators.
--
-- An SS58 address is Base58 (Bitcoin alphabet) of
--   prefix (1 or 2 bytes) || public key (32 bytes for an account id) || checksum (2 bytes),
-- where the checksum is the first two bytes of BLAKE2b-512("SS58PRE" || prefix || public key).
-- PostgreSQL has no BLAKE2 (pgcrypto has md5 and sha*, pgsodium is hosted Supabase only), so BLAKE2b
-- is written here after RFC 7693. These are helpers in schema leadpoet, not RPC functions.

create type leadpoet.ss58_address as (prefix integer, public_key bytea);

-- BLAKE2b-512 of p_data, unkeyed (RFC 7693, digest length nn = 64, key length kk = 0).
--
-- A 64-bit word is one bigint holding the word's bits (two's complement). Xor, and, or and shifts
-- treat a bigint as 64 bits and never raise; only addition could overflow, so words are added by
-- 32-bit halves: the low halves' sum carries into the high halves, whose sum is cut to 32 bits.
-- Every intermediate value stays far inside bigint. PostgreSQL operators such as | # & << all have
-- the same precedence (left to right), hence the many parentheses.
create function leadpoet.blake2b_512(p_data bytea)
returns bytea
language plpgsql immutable strict parallel safe
set search_path = pg_catalog, pg_temp
as $$
declare
  -- IV[0..7] (RFC 7693 2.6): the SHA-512 initial hash values.
  c_iv constant bigint[] := array[
    x'6a09e667f3bcc908'::bigint, x'bb67ae8584caa73b'::bigint, x'3c6ef372fe94f82b'::bigint, x'a54ff53a5f1d36f1'::bigint,
    x'510e527fade682d1'::bigint, x'9b05688c2b3e6c1f'::bigint, x'1f83d9abfb41bd6b'::bigint, x'5be0cd19137e2179'::bigint];
  -- SIGMA[0..9] (2.7): the message word schedule of each round, ten rows of 16, 0-based word numbers.
  c_sigma constant integer[] := array[
     0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15,
    14, 10,  4,  8,  9, 15, 13,  6,  1, 12,  0,  2, 11,  7,  5,  3,
    11,  8, 12,  0,  5,  2, 15, 13, 10, 14,  3,  6,  7,  1,  9,  4,
     7,  9,  3,  1, 13, 12, 11, 14,  2,  6,  5, 10,  4,  0, 15,  8,
     9,  0,  5,  7,  2,  4, 10, 15, 14,  1, 11, 12,  6,  8,  3, 13,
     2, 12,  6, 10,  0, 11,  8,  3,  4, 13,  7,  5, 15, 14,  1,  9,
    12,  5,  1, 15, 14, 13,  4, 10,  0,  7,  6,  3,  9,  2,  8, 11,
    13, 11,  7, 14, 12,  1,  3,  9,  5,  0, 15,  4,  8,  6,  2, 10,
     6, 15, 14,  9, 11,  3,  0,  8, 12,  2, 13,  7,  1,  4, 10,  5,
    10,  2,  8,  4,  7,  6,  1,  5, 15, 11,  9, 14,  3, 12, 13,  0];
  -- The (a, b, c, d) positions in v of the eight G calls of a round (3.2): four columns, then four
  -- diagonals; 0-based as in the RFC.
  c_mix constant integer[] := array[
    0, 4,  8, 12,   1, 5,  9, 13,   2, 6, 10, 14,   3, 7, 11, 15,
    0, 5, 10, 15,   1, 6, 11, 12,   2, 7,  8, 13,   3, 4,  9, 14];
  c_low32 constant bigint := x'00000000ffffffff'::bigint;
  c_low40 constant bigint := x'000000ffffffffff'::bigint;
  c_low48 constant bigint := x'0000ffffffffffff'::bigint;
  ll bigint := length(p_data);                       -- input bytes
  dd integer := greatest(1, ceil(ll / 128.0)::integer);  -- 128-byte blocks; the empty input is one block
  d bytea;                                           -- the input padded with zeros to dd blocks
  h bigint[];                                        -- the state vector
  v bigint[];                                        -- the working vector of F
  m bigint[] := array_fill(0::bigint, array[16]);    -- the current block as 16 words
  t bigint;                                          -- bytes compressed so far, this block included
  s integer;                                         -- offset of the round's SIGMA row in c_sigma
  va bigint; vb bigint; vc bigint; vd bigint;        -- G's four words
  x bigint; y bigint;                                -- G's two message words
  lo bigint;                                         -- low-half sum of an addition
  k integer;
  digest bytea := decode(repeat('00', 64), 'hex');
begin
  d := p_data || decode(repeat('00', dd * 128 - ll::integer), 'hex');
  h := c_iv;
  h[1] := h[1] # x'0000000001010040'::bigint;       -- parameter block: 0x0101kknn, kk = 0, nn = 64

  for i in 0 .. dd - 1 loop
    -- m[0..15]: the block's words, little-endian.
    for w in 0 .. 15 loop
      k := i * 128 + w * 8;
      m[w + 1] := get_byte(d, k)::bigint
                  | (get_byte(d, k + 1)::bigint << 8) | (get_byte(d, k + 2)::bigint << 16)
                  | (get_byte(d, k + 3)::bigint << 24) | (get_byte(d, k + 4)::bigint << 32)
                  | (get_byte(d, k + 5)::bigint << 40) | (get_byte(d, k + 6)::bigint << 48)
                  | (get_byte(d, k + 7)::bigint << 56);
    end loop;

    -- F(h, m, t, f) (3.2). The offset counter t is below 2^63 (a bytea is at most 1 GB), so its
    -- high word is 0 and v[13] keeps IV[5].
    t := least(ll, (i + 1) * 128::bigint);
    v := h || c_iv;
    v[13] := v[13] # t;
    if i = dd - 1 then
      v[15] := ~v[15];                               -- the final block flag
    end if;

    for r in 0 .. 11 loop
      s := (r % 10) * 16;
      for g in 0 .. 7 loop
        va := v[c_mix[g * 4 + 1] + 1]; vb := v[c_mix[g * 4 + 2] + 1];
        vc := v[c_mix[g * 4 + 3] + 1]; vd := v[c_mix[g * 4 + 4] + 1];
        x := m[c_sigma[s + 2 * g + 1] + 1];
        y := m[c_sigma[s + 2 * g + 2] + 1];

        -- G (3.1), with the rotation constants R1..R4 = 32, 24, 16, 63.
        -- v[a] := (v[a] + v[b] + x) mod 2^64
        lo := (va & c_low32) + (vb & c_low32) + (x & c_low32);
        va := ((((va >> 32) + (vb >> 32) + (x >> 32) + (lo >> 32)) & c_low32) << 32) | (lo & c_low32);
        -- v[d] := (v[d] ^ v[a]) >>> 32
        vd := vd # va;
        vd := ((vd >> 32) & c_low32) | (vd << 32);
        -- v[c] := (v[c] + v[d]) mod 2^64
        lo := (vc & c_low32) + (vd & c_low32);
        vc := ((((vc >> 32) + (vd >> 32) + (lo >> 32)) & c_low32) << 32) | (lo & c_low32);
        -- v[b] := (v[b] ^ v[c]) >>> 24
        vb := vb # vc;
        vb := ((vb >> 24) & c_low40) | (vb << 40);
        -- v[a] := (v[a] + v[b] + y) mod 2^64
        lo := (va & c_low32) + (vb & c_low32) + (y & c_low32);
        va := ((((va >> 32) + (vb >> 32) + (y >> 32) + (lo >> 32)) & c_low32) << 32) | (lo & c_low32);
        -- v[d] := (v[d] ^ v[a]) >>> 16
        vd := vd # va;
        vd := ((vd >> 16) & c_low48) | (vd << 48);
        -- v[c] := (v[c] + v[d]) mod 2^64
        lo := (vc & c_low32) + (vd & c_low32);
        vc := ((((vc >> 32) + (vd >> 32) + (lo >> 32)) & c_low32) << 32) | (lo & c_low32);
        -- v[b] := (v[b] ^ v[c]) >>> 63
        vb := vb # vc;
        vb := ((vb >> 63) & 1) | (vb << 1);

        v[c_mix[g * 4 + 1] + 1] := va; v[c_mix[g * 4 + 2] + 1] := vb;
        v[c_mix[g * 4 + 3] + 1] := vc; v[c_mix[g * 4 + 4] + 1] := vd;
      end loop;
    end loop;

    for w in 1 .. 8 loop
      h[w] := h[w] # v[w] # v[w + 8];
    end loop;
  end loop;

  -- The digest: h[0..7], little-endian.
  for w in 0 .. 7 loop
    for b in 0 .. 7 loop
      digest := set_byte(digest, w * 8 + b, ((h[w + 1] >> (8 * b)) & 255)::integer);
    end loop;
  end loop;
  return digest;
end
$$;

-- The prefix (network id) and 32-byte public key of an SS58 address, or NULL when p_address is not
-- a valid SS58 address of a 32-byte account id spelt canonically:
--   * Base58 with the Bitcoin alphabet, nothing else (no spaces, no 0 O I l);
--   * prefix 0-63 in one byte, or 64-16383 in the two-byte form; a two-byte form of a value below 64
--     is another spelling of a one-byte prefix and is refused; first bytes 128-255 and the prefixes
--     46 and 47 are reserved;
--   * a 32-byte public key (35 or 36 bytes in all: account indices and 33-byte keys are refused);
--   * the 2-byte checksum matches.
-- Base58 decoding is one-to-one on its alphabet (each leading '1' is one leading zero byte, the rest
-- is a number without leading zero digits), so once the bytes are exactly these, re-encoding them
-- gives p_address back: canonical.
create function leadpoet.ss58_decode(p_address text)
returns leadpoet.ss58_address
language plpgsql immutable strict parallel safe
set search_path = pg_catalog, pg_temp
as $$
declare
  c_alphabet constant text := '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  v_ones integer;                 -- leading '1's: one zero byte each
  v_number numeric := 0;          -- the rest of the text as a base-58 number
  v_hex text := '';
  v_bytes bytea;
  v_first integer;
  v_prefix integer;
  v_prefix_length integer;
begin
  -- 36 bytes are at most 49 Base58 characters; a longer text cannot decode to 36 bytes or fewer, and
  -- its length is known without reading it (the alphabet is ASCII, one byte a character). A bounded
  -- repetition ({1,50}) would cost the regular expression ten times more.
  if octet_length(p_address) not between 1 and 50 or p_address !~ '^[1-9A-HJ-NP-Za-km-z]+$' then
    return null;
  end if;
  v_ones := length(p_address) - length(ltrim(p_address, '1'));
  for i in v_ones + 1 .. length(p_address) loop
    v_number := v_number * 58 + (strpos(c_alphabet, substr(p_address, i, 1)) - 1);
  end loop;
  -- The number in hex, 32 bits at a time, then its leading zero digits dropped: its shortest
  -- big-endian bytes.
  while v_number > 0 loop
    v_hex := lpad(to_hex(mod(v_number, 4294967296)::bigint), 8, '0') || v_hex;
    v_number := div(v_number, 4294967296);
  end loop;
  v_hex := ltrim(v_hex, '0');
  v_bytes := decode(repeat('00', v_ones) || lpad(v_hex, length(v_hex) + length(v_hex) % 2, '0'), 'hex');

  v_first := get_byte(v_bytes, 0);
  if v_first < 64 then
    v_prefix_length := 1;
    v_prefix := v_first;
  elsif v_first < 128 and length(v_bytes) >= 2 then
    -- Two-byte form: the first byte is 01 and the prefix's bits 7..2, the second byte the prefix's
    -- bits 1..0 and then its bits 13..8.
    v_prefix_length := 2;
    v_prefix := ((v_first & 63) << 2) | (get_byte(v_bytes, 1) >> 6) | ((get_byte(v_bytes, 1) & 63) << 8);
    if v_prefix < 64 then
      return null;
    end if;
  else
    return null;
  end if;
  if v_prefix in (46, 47) or length(v_bytes) <> v_prefix_length + 32 + 2 then
    return null;
  end if;
  if substr(leadpoet.blake2b_512('SS58PRE'::bytea || substr(v_bytes, 1, v_prefix_length + 32)), 1, 2)
     <> substr(v_bytes, v_prefix_length + 33, 2) then
    return null;
  end if;
  return row (v_prefix, substr(v_bytes, v_prefix_length + 1, 32))::leadpoet.ss58_address;
end
$$;

-- Whether p_address is a valid, canonical SS58 address of a 32-byte account id on network p_prefix.
create function leadpoet.is_ss58_address(p_address text, p_prefix integer)
returns boolean
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select coalesce((leadpoet.ss58_decode(p_address)).prefix = p_prefix, false)
$$;

-- is_ss58_address, remembered for the rest of the database session, for a check on every request: a
-- check costs a few tenths of a millisecond on PostgreSQL and about one on PGlite, a remembered
-- address tens of microseconds at most (npm run bench -- ss58).
-- The memo is the setting leadpoet.valid_ss58_addresses, ' prefix:address ' entries, newest first,
-- at most 256 (a subnet's UIDs). Only valid addresses are remembered, and an entry only states a
-- fact about a string, so a pooled connection shared by callers shares nothing it should not. It is
-- as trustworthy as the session's settings: API callers cannot SET one, and a session that can run
-- SQL could as well set request.jwt.claims itself. An entry made in a transaction that rolls back is
-- forgotten with it.
create function leadpoet.is_ss58_address_remembered(p_address text, p_prefix integer)
returns boolean
language plpgsql stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_memo text := coalesce(current_setting('leadpoet.valid_ss58_addresses', true), '');
  v_entry text;
begin
  -- Base58 has no space, so a Base58 p_address can only match a whole entry.
  if p_prefix is null or octet_length(p_address) not between 1 and 50 or p_address !~ '^[1-9A-HJ-NP-Za-km-z]+$' then
    return false;
  end if;
  v_entry := p_prefix || ':' || p_address;
  if strpos(v_memo, ' ' || v_entry || ' ') > 0 then
    return true;
  end if;
  if not leadpoet.is_ss58_address(p_address, p_prefix) then
    return false;
  end if;
  perform set_config('leadpoet.valid_ss58_addresses',
    ' ' || array_to_string(v_entry || (string_to_array(btrim(v_memo), ' '))[1:255], ' ') || ' ', false);
  return true;
end
$$;

revoke execute on function leadpoet.blake2b_512(bytea), leadpoet.ss58_decode(text),
  leadpoet.is_ss58_address(text, integer), leadpoet.is_ss58_address_remembered(text, integer) from public;
