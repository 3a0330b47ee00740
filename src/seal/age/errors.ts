/**
 * age errors: the shared Sealwire classes (stable `code`s) plus `part`, which says where in the file the
 * problem is. They refine a code rather than own one: an `AgeFormatError` is a `MalformedError`, an
 * `AgeDecryptionError` a `DecryptionError` with `ERR_DECRYPTION_FAILED` or `ERR_NO_MATCHING_RECIPIENT`. The C2SP conformance suite tells failures apart by part (armor, header, payload), and so can a
 * caller deciding whether a file is corrupt or merely not addressed to it.
 */
import { DecryptionError, ErrorCodes, MalformedError } from '../../errors.ts';

export type AgePart = 'armor' | 'header' | 'payload';

/** The file is not well-formed age: nothing was decrypted. */
export class AgeFormatError extends MalformedError {
  readonly part: AgePart;

  constructor(part: AgePart, message: string) {
    super(`age ${part}: ${message}`);
    this.part = part;
  }
}

/**
 * Authentication failed: no identity matches (`ERR_NO_MATCHING_RECIPIENT`), the header MAC is wrong, or a
 * payload chunk is modified, reordered, missing or extra (`ERR_DECRYPTION_FAILED`). Plaintext of the
 * failing chunk is never released.
 */
export class AgeDecryptionError extends DecryptionError {
  readonly part: 'header' | 'payload';

  constructor(
    part: 'header' | 'payload',
    message: string,
    code:
      | typeof ErrorCodes.DECRYPTION_FAILED
      | typeof ErrorCodes.NO_MATCHING_RECIPIENT = ErrorCodes.DECRYPTION_FAILED,
  ) {
    super(code, `age ${part}: ${message}`);
    this.part = part;
  }
}

export function headerError(message: string): AgeFormatError {
  return new AgeFormatError('header', message);
}
