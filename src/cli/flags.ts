import {Flags} from '@oclif/core'

/** btcli's wallet flags: the hotkey that signs (chain) and names the caller (database). */
export const walletFlags = {
  'wallet.name': Flags.string({description: 'wallet name (btcli)', env: 'BT_WALLET_NAME', helpGroup: 'WALLET'}),
  'wallet.hotkey': Flags.string({
    description: 'hotkey name within the wallet',
    env: 'BT_WALLET_HOTKEY',
    helpGroup: 'WALLET',
  }),
  'wallet.path': Flags.string({
    description: 'wallets directory [default: ~/.bittensor/wallets]',
    env: 'BT_WALLET_PATH',
    helpGroup: 'WALLET',
  }),
  hotkey: Flags.string({
    description: 'act as this hotkey (SS58): its claims on a direct database, its cached token on a Supabase project',
    env: 'LEADPOET_HOTKEY',
    helpGroup: 'WALLET',
  }),
}

/** btcli's chain flags. */
export const chainFlags = {
  'subtensor.network': Flags.string({
    description: 'finney, test, local, or a ws(s):// endpoint [default: finney]',
    helpGroup: 'CHAIN',
  }),
  netuid: Flags.integer({description: 'subnet [default: 71]', min: 0, max: 65535, helpGroup: 'CHAIN'}),
}

export const epochFlag = {
  epoch: Flags.integer({description: 'epoch number [default: the current epoch]', min: 0}),
}
