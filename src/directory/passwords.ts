// Password hashing with argon2id (Bun.password runs it off the event loop).
// Parameters are sized for a Raspberry Pi: 19 MiB, 2 passes (the OWASP baseline for argon2id).

export interface PasswordHasher {
  hash(password: string): Promise<string>
  verify(password: string, hash: string): Promise<boolean>
}

export const argon2idHasher: PasswordHasher = {
  hash: (password) => Bun.password.hash(password, { algorithm: 'argon2id', memoryCost: 19456, timeCost: 2 }),
  verify: async (password, hash) => {
    try {
      return await Bun.password.verify(password, hash)
    } catch {
      return false
    }
  },
}

export const minPasswordLength = 8
export const maxPasswordLength = 1024
