// Run: (cd /tmp/jsref && npm install ripple-binary-codec xrpl ripple-keypairs) && NODE_PATH=/tmp/jsref/node_modules node internal/codec/testdata/gen/gen.js  (reads ../shared/data/xahau-definitions.json, or $XAHAU_DEFINITIONS)
'use strict'

// Generates golden-xahau.json and golden-xrpl.json with the reference JS codecs. The Go tests
// read only the committed fixtures; this script is rerun by hand when cases change.

const fs = require('fs')
const path = require('path')
const crypto = require('crypto')
const rbc = require('ripple-binary-codec')
const keypairs = require('ripple-keypairs')
const xrpl = require('xrpl')

const defsPath = process.env.XAHAU_DEFINITIONS ||
  path.resolve(__dirname, '../../../../../shared/data/xahau-definitions.json')
const XAHAU = new rbc.XrplDefinitions(JSON.parse(fs.readFileSync(defsPath, 'utf8')))

const host = { seed: 'spAaHjQXUPXEHAFndUcFg4MDXuv25', address: 'rPV7gv7mxunHkt5wHniAmZZsiTH9CDdVZK' } // secp256k1
const tenant = { seed: 'sEdSm13uPwcsNdf4bpzivQQvuTXe5xg', address: 'r3MDUP3dVq93U8ZZo9FB35jozyeoqQBg6X' } // ed25519
const registry = 'rHH1fLR86zy5uZjZXT8iEa4CHK145ksjAK'
const EVR_ISSUER = 'rsVBfH5fvHfUEXs5fzV4tuMpBFujQhj8TS'
const evr = (value) => ({ currency: 'EVR', issuer: EVR_ISSUER, value })
const hex = (s) => Buffer.from(s, 'utf8').toString('hex').toUpperCase()
const H = (c) => c.repeat(64 / c.length)
const URITOKEN_ID = '0A9A4A8AC0F37F3CD7CB48D6B8B3C0C8E43B2E5B35A36F2C2D4D7BDB59F1A0C1'
const NFTOKEN_ID = '000B013A95F14B0044F78A264E41713C64B5F89242540EE208C3098E00000D65'

const memo = (type, data, format) => ({ Memo: { MemoType: hex(type), MemoData: hex(data), MemoFormat: hex(format) } })
const param = (name, value) => ({ HookParameter: { HookParameterName: name, HookParameterValue: value } })
const edKey = 'ED092B52D043A7448D9C5BC2B650C40FE89D7DBACBF4E1382CCD887B8182F9ACF8'
const secKey = '02AB5520C32F549968E54A90A945AEBB2B49A900A279403E7C2D8EF787B5D7E8D8'

function base (account, seq, extra) {
  return Object.assign({ Account: account, Fee: '12', Sequence: seq, LastLedgerSequence: 1000 + seq }, extra)
}
const xahauBase = (account, seq) => base(account, seq, { NetworkID: 21337 })

// Cases: [name, tx, signer or null]. A signer's SigningPubKey goes into tx before encoding.
const xahauCases = [
  ['payment-native', Object.assign(xahauBase(tenant.address, 1), { TransactionType: 'Payment', Destination: host.address, Amount: '1000000', DestinationTag: 7 }), tenant],
  ['payment-evr-1', Object.assign(xahauBase(tenant.address, 2), { TransactionType: 'Payment', Destination: host.address, Amount: evr('1') }), tenant],
  ['payment-evr-0.3-memo-hookparams', Object.assign(xahauBase(host.address, 3), {
    TransactionType: 'Payment', Destination: registry, Amount: evr('0.3'),
    Memos: [memo('evnAcquireLease', '{"owner":"x"}', 'text/json'), memo('evnRef', 'abc', 'hex')],
    HookParameters: [param('4556520100000000000000000000000000000000000000000000000000000002', '65766E486F7374526567'),
      param('4556520100000000000000000000000000000000000000000000000000000003', '555300350C00581B')]
  }), host],
  ['payment-evr-500', Object.assign(xahauBase(host.address, 4), { TransactionType: 'Payment', Destination: registry, Amount: evr('500'), Flags: 2147483648 }), host],
  ['payment-evr-0.00000001', Object.assign(xahauBase(tenant.address, 5), { TransactionType: 'Payment', Destination: host.address, Amount: evr('0.00000001') }), null],
  ['payment-evr-123.456-sendmax-paths', Object.assign(xahauBase(tenant.address, 6), {
    TransactionType: 'Payment', Destination: host.address, Amount: evr('123.456'), SendMax: '200000000',
    Paths: [[{ currency: 'EVR', issuer: EVR_ISSUER }], [{ account: registry }, { currency: 'USD', issuer: EVR_ISSUER }]]
  }), null],
  ['payment-evr-1e45', Object.assign(xahauBase(tenant.address, 7), { TransactionType: 'Payment', Destination: host.address, Amount: evr('1234567890123456e30') }), null],
  ['payment-hex-currency', Object.assign(xahauBase(tenant.address, 8), { TransactionType: 'Payment', Destination: host.address, Amount: { currency: '0158415500000000C1F76FF6ECB0BAC600000000', issuer: EVR_ISSUER, value: '9.99' } }), null],
  ['trustset', Object.assign(xahauBase(tenant.address, 9), { TransactionType: 'TrustSet', LimitAmount: evr('99999999999999'), Flags: 131072 }), tenant],
  ['accountset-messagekey-ed', Object.assign(xahauBase(tenant.address, 10), { TransactionType: 'AccountSet', MessageKey: edKey, Domain: hex('example.com'), SetFlag: 8 }), tenant],
  ['accountset-messagekey-secp', Object.assign(xahauBase(host.address, 11), {
    TransactionType: 'AccountSet', MessageKey: secKey, Domain: hex('host.example.com'), WalletLocator: H('AB'), EmailHash: '98B4375E1D753E5B91627516F6D70977', TransferRate: 1002000000, TickSize: 5
  }), host],
  ['setregularkey', Object.assign(xahauBase(host.address, 12), { TransactionType: 'SetRegularKey', RegularKey: tenant.address }), host],
  ['uritokenmint', Object.assign(xahauBase(host.address, 13), { TransactionType: 'URITokenMint', URI: hex('evrLeaseToken-0001'), Flags: 1, Digest: H('C3') }), host],
  ['uritokenmint-nodigest', Object.assign(xahauBase(tenant.address, 14), { TransactionType: 'URITokenMint', URI: hex('ipfs://bafy'), Flags: 1 }), tenant],
  ['uritokenburn', Object.assign(xahauBase(host.address, 15), { TransactionType: 'URITokenBurn', URITokenID: URITOKEN_ID }), host],
  ['uritokenbuy', Object.assign(xahauBase(tenant.address, 16), { TransactionType: 'URITokenBuy', URITokenID: URITOKEN_ID, Amount: evr('123.456'),
    Memos: [memo('evnAcquireLease', 'payload', 'base64')] }), tenant],
  ['uritokencreateselloffer', Object.assign(xahauBase(host.address, 17), { TransactionType: 'URITokenCreateSellOffer', URITokenID: URITOKEN_ID, Amount: evr('0.3'), Destination: tenant.address }), host],
  ['uritokencancelselloffer', Object.assign(xahauBase(host.address, 18), { TransactionType: 'URITokenCancelSellOffer', URITokenID: URITOKEN_ID }), host],
  ['invoke', Object.assign(xahauBase(host.address, 19), { TransactionType: 'Invoke', Blob: 'DEADBEEF00', Destination: registry,
    HookParameters: [param('4556520100000000000000000000000000000000000000000000000000000001', '01')] }), host],
  ['sethook', Object.assign(xahauBase(host.address, 20), { TransactionType: 'SetHook', Hooks: [
    { Hook: { CreateCode: '0061736D01000000', HookOn: H('F').slice(0, 62) + 'BF', HookNamespace: H('1'), HookApiVersion: 0, Flags: 1,
      HookParameters: [param('AA', 'BB')], HookGrants: [{ HookGrant: { HookHash: H('2'), Authorize: registry } }] } },
    { Hook: {} }] }), null],
  ['emitted-payment', {
    TransactionType: 'Payment', Account: registry, Destination: host.address, Amount: evr('5'), Fee: '20', Sequence: 0,
    FirstLedgerSequence: 100, LastLedgerSequence: 104, SigningPubKey: '', NetworkID: 21337,
    EmitDetails: { EmitGeneration: 1, EmitBurden: '0000000000000001', EmitParentTxnID: H('3'), EmitNonce: H('4'), EmitHookHash: H('5'), EmitCallback: registry }
  }, null],
  ['payment-plain', { TransactionType: 'Payment', Account: tenant.address, Destination: host.address, Amount: evr('1'), Fee: '10', Sequence: 5, SigningPubKey: '' }, null],
  ['uritoken-ledger-entry', { LedgerEntryType: 'URIToken', Flags: 1, Owner: tenant.address, Issuer: host.address, URI: hex('evrLeaseToken-0001'),
    Digest: H('C3'), Amount: evr('1'), Destination: tenant.address, OwnerNode: '0000000000000000', PreviousTxnID: H('6'), PreviousTxnLgrSeq: 77, index: URITOKEN_ID }, null],
  ['metadata', {
    TransactionIndex: 3, TransactionResult: 'tesSUCCESS', DeliveredAmount: evr('0.3'),
    AffectedNodes: [
      { CreatedNode: { LedgerEntryType: 'URIToken', LedgerIndex: URITOKEN_ID, NewFields: { Owner: host.address, Issuer: host.address, URI: hex('x'), Flags: 1 } } },
      { ModifiedNode: { LedgerEntryType: 'AccountRoot', LedgerIndex: H('7'), PreviousTxnID: H('8'), PreviousTxnLgrSeq: 41,
        FinalFields: { Account: host.address, Balance: '99999988', Flags: 0, OwnerCount: 2, Sequence: 14 },
        PreviousFields: { Balance: '100000000', OwnerCount: 1, Sequence: 13 } } },
      { ModifiedNode: { LedgerEntryType: 'RippleState', LedgerIndex: H('9'),
        FinalFields: { Balance: { currency: 'EVR', issuer: 'rrrrrrrrrrrrrrrrrrrrBZbvji', value: '-10.5' }, Flags: 65536,
          HighLimit: { currency: 'EVR', issuer: tenant.address, value: '0' }, LowLimit: { currency: 'EVR', issuer: EVR_ISSUER, value: '0' } } } },
      { DeletedNode: { LedgerEntryType: 'DirectoryNode', LedgerIndex: H('A'), FinalFields: { Flags: 0, Owner: host.address, RootIndex: H('A'), Indexes: [H('B'), H('C')] } } }
    ],
    HookExecutions: [{ HookExecution: { HookAccount: registry, HookHash: H('D'), HookResult: 3, HookReturnCode: '0000000000000000',
      HookReturnString: hex('ok'), HookInstructionCount: '00000000000003E8', HookEmitCount: 1, HookExecutionIndex: 0, HookStateChangeCount: 2 } }]
  }, null],
  ['metadata-hook-rejected', { TransactionIndex: 0, TransactionResult: 'tecHOOK_REJECTED', AffectedNodes: [] }, null]
]

const xrplBase = (account, seq) => base(account, seq, {})
const xrplCases = [
  ['payment-plain', xahauCases.find(c => c[0] === 'payment-plain')[1], null],
  ['payment-native', Object.assign(xrplBase(tenant.address, 1), { TransactionType: 'Payment', Destination: host.address, Amount: '1000000' }), tenant],
  ['payment-evr-memo', Object.assign(xrplBase(host.address, 2), { TransactionType: 'Payment', Destination: registry, Amount: evr('123.456'), Memos: [memo('t', 'd', 'f')] }), host],
  ['trustset', Object.assign(xrplBase(tenant.address, 3), { TransactionType: 'TrustSet', LimitAmount: evr('1000000') }), tenant],
  ['accountset', Object.assign(xrplBase(host.address, 4), { TransactionType: 'AccountSet', MessageKey: secKey, Domain: hex('example.com') }), host],
  ['nftokenmint', Object.assign(xrplBase(host.address, 5), { TransactionType: 'NFTokenMint', URI: hex('evrLeaseToken'), TransferFee: 0, NFTokenTaxon: 0, Flags: 9 }), host],
  ['nftokenmint-fee', Object.assign(xrplBase(tenant.address, 6), { TransactionType: 'NFTokenMint', URI: hex('x'), TransferFee: 5000, NFTokenTaxon: 42, Flags: 8 }), tenant],
  ['nftokencreateoffer-sell', Object.assign(xrplBase(host.address, 7), { TransactionType: 'NFTokenCreateOffer', NFTokenID: NFTOKEN_ID, Amount: evr('0.3'), Flags: 1, Expiration: 800000000 }), host],
  ['nftokenacceptoffer', Object.assign(xrplBase(tenant.address, 8), { TransactionType: 'NFTokenAcceptOffer', NFTokenSellOffer: H('E') }), tenant],
  ['nftokenburn', Object.assign(xrplBase(host.address, 9), { TransactionType: 'NFTokenBurn', NFTokenID: NFTOKEN_ID, Owner: tenant.address }), host],
  ['nftokencanceloffer', Object.assign(xrplBase(host.address, 10), { TransactionType: 'NFTokenCancelOffer', NFTokenOffers: [H('E'), H('F')] }), host],
  ['did-set', Object.assign(xrplBase(host.address, 11), { TransactionType: 'DIDSet', DIDDocument: 'AB', URI: 'CD' }), null]
]

function sha512half (buf) {
  return crypto.createHash('sha512').update(buf).digest().subarray(0, 32).toString('hex').toUpperCase()
}

function run (network, cases, defs) {
  return cases.map(([name, tx0, signer]) => {
    const tx = JSON.parse(JSON.stringify(tx0))
    let kp
    if (signer) {
      kp = keypairs.deriveKeypair(signer.seed)
      tx.SigningPubKey = kp.publicKey
    }
    const out = { name, network, tx }
    out.encoded = rbc.encode(tx, defs)
    out.signingEncoded = rbc.encodeForSigning(tx, defs)
    out.decoded = rbc.decode(out.encoded, defs)
    if (signer) {
      const signed = Object.assign({}, tx, { TxnSignature: keypairs.sign(out.signingEncoded, kp.privateKey) })
      out.seed = signer.seed
      out.signedBlob = rbc.encode(signed, defs)
      out.hash = sha512half(Buffer.from('54584E00' + out.signedBlob, 'hex'))
      if (network === 'xrpl') {
        // Cross-check the manual path against xrpl.js's own Wallet.sign.
        const unsigned = Object.assign({}, tx)
        delete unsigned.SigningPubKey
        const w = xrpl.Wallet.fromSeed(signer.seed).sign(unsigned)
        if (w.tx_blob !== out.signedBlob || w.hash !== out.hash) throw new Error(`${name}: Wallet.sign differs`)
      }
    }
    return out
  })
}

// Amount vectors: each value alone, as ripple-binary-codec encodes (or refuses) it.
const iouValues = ['1', '0.3', '500', '0.00000001', '123.456', '0', '-0', '-1', '+2', '1e-8', '1E3', '.5', '5.', '0001.1000',
  '9999999999999999', '99999999999999999', '1234567890123456e65', '1234567890123456e66', '1e-81', '1e-82', '1e-96',
  '0.0000000000000001', '1.000000000000001', '1.0000000000000001', '-9999999999999999e80', '1e95', '1e96',
  '100000000000000000000', '0.1234567890123456', 'abc', '', '1.2.3', '1e', 'e5', '0x10', ' 1', 'NaN', 'Infinity']
const dropValues = ['0', '1', '1000000', '100000000000000000', '100000000000000001', '-1', '1.5', '1e6', '', 'abc', '00012']
const amounts = []
for (const v of iouValues) {
  const c = { kind: 'iou', value: v }
  try { c.encoded = rbc.encode({ Amount: evr(v) }).slice(2, 18); c.decoded = rbc.decode(rbc.encode({ Amount: evr(v) })).Amount.value } catch (e) { c.error = String(e.message) }
  amounts.push(c)
}
for (const v of dropValues) {
  const c = { kind: 'drops', value: v }
  try { c.encoded = rbc.encode({ Amount: v }).slice(2); c.decoded = rbc.decode(rbc.encode({ Amount: v })).Amount } catch (e) { c.error = String(e.message) }
  amounts.push(c)
}
for (const v of ['USD', 'EVR', 'usd', 'a?!', '0158415500000000C1F76FF6ECB0BAC600000000', '0000000000000000000000005553440000000000', '0000000000000000000000000000000000000001', 'XRP', 'US', 'USDX', 'U D']) {
  const c = { kind: 'currency', value: v }
  try { const enc = rbc.encode({ Amount: { currency: v, issuer: EVR_ISSUER, value: '1' } }); c.encoded = enc.slice(18, 58); c.decoded = rbc.decode(enc).Amount.currency } catch (e) { c.error = String(e.message) }
  amounts.push(c)
}

const dir = path.resolve(__dirname, '..')
fs.writeFileSync(path.join(dir, 'golden-amounts.json'), JSON.stringify(amounts, null, 1) + '\n')
fs.writeFileSync(path.join(dir, 'golden-xahau.json'), JSON.stringify(run('xahau', xahauCases, XAHAU), null, 1) + '\n')
fs.writeFileSync(path.join(dir, 'golden-xrpl.json'), JSON.stringify(run('xrpl', xrplCases, undefined), null, 1) + '\n')
console.log('wrote', dir)
