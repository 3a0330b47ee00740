/**
 * Field-level protobuf encryption (sealwire/fields) against the "sum of parts": protobuf-es serializing
 * (or parsing) the same message, plus one raw node:crypto AES-256-GCM call per encrypted part on the same
 * bytes. That is the practical limit of any field-encryption library on this runtime; the target
 * is 0.6x of it. Two messages: the seed's Transaction (two CashUsers, each with an Address and a
 * BankAccount: 4 parts under 2 keys) and a flat 2 KiB message under one key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { type DescMessage, fromBinary, type MessageShape, toBinary } from '@bufbuild/protobuf';
import { FieldEncryption, generateKeyset, Keyring } from '../../src/fields/index.ts';
import {
  type LedgerEvent,
  LedgerEventSchema,
  type Transaction,
  TransactionSchema,
} from '../../test/fields/gen/sealwire/test/v1/bank_pb.ts';
import { sampleTransaction } from '../../test/fields/helpers.ts';
import { type Context, compare, type Result, type Suite } from '../harness.ts';

const TARGET = 0.6;

function ledgerEvent(): LedgerEvent {
  const lines = Array.from(
    { length: 16 },
    (_, i) => `2026-11-25 settlement batch ${i} merchant #${1000 + i} ok`,
  );
  return {
    $typeName: 'sealwire.test.v1.LedgerEvent',
    id: 'evt-7f3a',
    ledger: {
      $typeName: 'sealwire.test.v1.Ledger',
      account: 'acct-4400123456',
      lines,
      amounts: Array.from({ length: 32 }, (_, i) => BigInt(i * 1_000_003)),
      attachment: randomBytes(1100),
      ciphertext: new Uint8Array(0),
    },
  };
}

/** The serialized bytes of each encrypted part, as the library encrypts them. */
function parts(message: Transaction | LedgerEvent): Uint8Array[] {
  if (message.$typeName === 'sealwire.test.v1.LedgerEvent') {
    return [toBinary(LedgerEventSchema.field.ledger!.message!, message.ledger!)];
  }
  const out: Uint8Array[] = [];
  for (const user of [message.sender!, message.receiver!]) {
    out.push(
      toBinary(TransactionSchema.field.sender!.message!.field.mailingAddress!.message!, user.mailingAddress!),
    );
    out.push(
      toBinary(
        TransactionSchema.field.sender!.message!.field.linkedBankAccount!.message!,
        user.linkedBankAccount!,
      ),
    );
  }
  return out;
}

const key = randomBytes(32);
const iv = randomBytes(12);
const aad = Buffer.from('sealwire-fields aad of about this size: type name and alias');

function gcmEncrypt(data: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const out = Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  return out;
}

function gcmDecrypt(sealed: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  const out = decipher.update(sealed.subarray(0, sealed.length - 16));
  decipher.final();
  return out;
}

/** Adds the MB/s row of an ops/s comparison (same measurement, same ratio). */
function reportMBps(ctx: Context, result: Result | undefined, bytes: number): void {
  if (result === undefined || result.baseline === undefined) return;
  const mb = (opsPerSecond: number) => Number(((opsPerSecond * bytes) / 1e6).toPrecision(4));
  ctx.report({
    name: `${result.name} MB/s`,
    value: mb(result.value),
    unit: 'MB/s',
    baseline: { name: result.baseline.name, value: mb(result.baseline.value) },
    ratio: result.ratio!,
    target: TARGET,
  });
}

async function suiteFor<Desc extends DescMessage>(
  ctx: Context,
  label: string,
  schema: Desc,
  message: MessageShape<Desc>,
  fields: FieldEncryption,
): Promise<void> {
  const plainWire = toBinary(schema, message);
  const partBytes = parts(message as Transaction | LedgerEvent);
  const sealedParts = partBytes.map(gcmEncrypt);
  const sealedWire = toBinary(schema, await fields.encrypt(schema, message));
  // Sanity: the measured paths round-trip.
  const check = await fields.decrypt(schema, fromBinary(schema, sealedWire));
  if (toBinary(schema, check).length !== plainWire.length) throw new Error(`${label}: round trip failed`);
  ctx.log(
    `fields ${label}: ${plainWire.length} B clear, ${sealedWire.length} B sealed, ${partBytes.length} parts`,
  );

  const encrypt = await compare(ctx, {
    name: `fields encrypt ${label}`,
    unit: 'ops/s',
    baseline: {
      name: `toBinary + ${partBytes.length}x AES-GCM`,
      fn: () => {
        toBinary(schema, message);
        for (const part of partBytes) gcmEncrypt(part);
      },
    },
    sealwire: {
      name: 'encrypt + toBinary',
      fn: async () => toBinary(schema, await fields.encrypt(schema, message)),
    },
    target: TARGET,
  });
  reportMBps(ctx, encrypt, plainWire.length);

  const decrypt = await compare(ctx, {
    name: `fields decrypt ${label}`,
    unit: 'ops/s',
    baseline: {
      name: `fromBinary + ${partBytes.length}x AES-GCM`,
      fn: () => {
        fromBinary(schema, plainWire);
        for (const part of sealedParts) gcmDecrypt(part);
      },
    },
    sealwire: {
      name: 'fromBinary + decrypt',
      fn: () => fields.decrypt(schema, fromBinary(schema, sealedWire)),
    },
    target: TARGET,
  });
  reportMBps(ctx, decrypt, plainWire.length);
}

export const fieldsSuite: Suite = {
  name: 'fields',
  async run(ctx) {
    const keyring = new Keyring({
      us_address_aead_key: generateKeyset(),
      cashapp_banking_key: generateKeyset(),
      ledger_key: generateKeyset(),
    });
    const fields = new FieldEncryption(keyring);
    if (ctx.wants('fields encrypt Transaction') || ctx.wants('fields decrypt Transaction')) {
      await suiteFor(ctx, 'Transaction', TransactionSchema, sampleTransaction(), fields);
    }
    if (ctx.wants('fields encrypt flat 2 KiB') || ctx.wants('fields decrypt flat 2 KiB')) {
      await suiteFor(ctx, 'flat 2 KiB', LedgerEventSchema, ledgerEvent(), fields);
    }
  },
};
