/** RSA modulus sizes Sealwire generates. Import-free, so the CLI's help can show them without loading crypto. */
export const RSA_SIZES = [2048, 3072, 4096] as const;
export type RsaSize = (typeof RSA_SIZES)[number];
