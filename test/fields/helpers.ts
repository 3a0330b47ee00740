/** Shared fixtures of the field-encryption tests: the seed example's messages and keyrings. */
import { create } from '@bufbuild/protobuf';
import { generateKeyset, type Keyset } from 'sealwire/fields';
import { type Transaction, TransactionSchema } from './gen/sealwire/test/v1/bank_pb.ts';

export const ADDRESS_KEY = 'us_address_aead_key';
export const BANKING_KEY = 'cashapp_banking_key';

/** One keyset per alias, generated once per test file. */
export function keysets(...aliases: string[]): Record<string, Keyset> {
  return Object.fromEntries(aliases.map((alias) => [alias, generateKeyset()]));
}

export function sampleTransaction(): Transaction {
  return create(TransactionSchema, {
    id: 'tx-2f6c',
    sender: {
      cashTag: '$alice',
      mailingAddress: { street: '1455 Market St', city: 'San Francisco', state: 'CA', zip: '94103' },
      linkedBankAccount: { routingNumber: '121000248', accountNumber: '4400123456', holderName: 'Alice A.' },
    },
    receiver: {
      cashTag: '$bob',
      mailingAddress: { street: '400 Broad St', city: 'Seattle', state: 'WA', zip: '98109' },
      linkedBankAccount: { routingNumber: '026009593', accountNumber: '0099887766', holderName: 'Bob B.' },
    },
    amount: { units: 42n, nanos: 500_000_000, currencyCode: 'USD' },
  });
}

/** Flips one bit of a copy (not `slice()`: on a Node Buffer that is a view of the same memory). */
export function flipBit(bytes: Uint8Array, index: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[index]! ^= 0x01;
  return copy;
}
