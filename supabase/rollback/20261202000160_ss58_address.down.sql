-- Undoes 20261202000160_ss58_address.
drop function if exists leadpoet.is_ss58_address_remembered(text, integer), leadpoet.is_ss58_address(text, integer),
  leadpoet.ss58_decode(text), leadpoet.blake2b_512(bytea);
drop type if exists leadpoet.ss58_address;
