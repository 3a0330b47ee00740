/**
 * The admin password seals the service's secrets (the certificate key's password, the token key, the relay
 * identity key) through Argon2id. Argon2id slows guessing down; it cannot save `abc`. So a new data directory
 * takes only a password of some length, and on a terminal it is asked twice: a typo there would lock the
 * operator out of their own service for good.
 *
 * The rule is deliberately simple and explainable in one line: at least 12 characters, not mostly one
 * character repeated. A passphrase of three or four words passes easily; no composition rules (they push
 * people to `Password1!`, NIST SP 800-63B §5.1.1.2).
 */
import { ArgumentError } from '../../errors.ts';

export const MIN_ADMIN_PASSWORD_LENGTH = 12;
const MIN_DISTINCT_CHARACTERS = 5;

/** Why `password` is too weak to create a service with, or undefined when it will do. */
export function adminPasswordProblem(password: string): string | undefined {
  const characters = [...password];
  if (characters.length < MIN_ADMIN_PASSWORD_LENGTH) {
    return `the admin password is too weak: it has ${characters.length} characters; use at least ${MIN_ADMIN_PASSWORD_LENGTH} (a passphrase of three or four words is easy to type and to remember)`;
  }
  if (new Set(characters).size < MIN_DISTINCT_CHARACTERS) {
    return `the admin password is too weak: it repeats too few characters; use at least ${MIN_DISTINCT_CHARACTERS} more different ones (a passphrase of three or four words works)`;
  }
  return undefined;
}

/** Throws ERR_INVALID_ARGUMENT (a usage error in the CLI) when `password` is too weak for a new service. */
export function assertAdminPasswordStrength(password: string): void {
  const problem = adminPasswordProblem(password);
  if (problem !== undefined) throw new ArgumentError(problem);
}

const TRIES = 3;

/**
 * Chooses the admin password of a new service interactively: asks, explains a weak answer, asks for it again,
 * and only returns an answer typed twice the same. Gives up after three tries.
 *
 * @param ask  shows a prompt and resolves with what was typed (hidden)
 * @param say  shows one line of explanation
 */
export async function chooseAdminPassword(
  ask: (prompt: string) => Promise<string>,
  say: (line: string) => void,
): Promise<string> {
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const password = await ask('new admin password: ');
    const problem = adminPasswordProblem(password);
    if (problem !== undefined) {
      say(problem);
      continue;
    }
    if ((await ask('the same again: ')) !== password) {
      say('the two answers differ; type the new admin password again');
      continue;
    }
    return password;
  }
  throw new ArgumentError(
    `no admin password chosen after ${TRIES} tries: run the command again, or pass --admin-password-file FILE`,
  );
}
