/** The errors only field encryption raises; everything else reuses the shared classes of `errors.ts`. */
import { ErrorCodes, SealwireError } from '../errors.ts';

/** A message schema cannot be used for field encryption; raised the first time the schema is used. */
export class SchemaError extends SealwireError {
  /** Full name of the offending message type. */
  readonly typeName: string;

  constructor(typeName: string, message: string) {
    super(ErrorCodes.SCHEMA_INVALID, message);
    this.typeName = typeName;
  }
}

/** The keyring holds no keyset for `alias`: this service is not allowed to read or write that part. */
export class KeyInaccessibleError extends SealwireError {
  readonly alias: string;

  constructor(alias: string, operation: 'encrypt' | 'decrypt') {
    super(
      ErrorCodes.KEY_INACCESSIBLE,
      `cannot ${operation}: the keyring holds no key for alias "${alias}" (add its keyset to this service's keyring, or pass it in \`ignore\`)`,
    );
    this.alias = alias;
  }
}

/** The ciphertext's key id names a key that is disabled or destroyed in the alias's keyset. */
export class KeyDisabledError extends SealwireError {
  readonly alias: string;
  readonly keyId: number;

  constructor(alias: string, keyId: number, status: string) {
    super(
      ErrorCodes.KEY_DISABLED,
      `key ${keyId} of alias "${alias}" is ${status.toLowerCase()}: re-enable it to read this data, or re-encrypt the data under the primary key`,
    );
    this.alias = alias;
    this.keyId = keyId;
  }
}
