// Patterns for obvious personal data in telemetry text: e-mail addresses,
// phone numbers in international or North American notation, and payment
// card numbers that pass the Luhn check. Matches are returned masked, so a
// report never repeats the data it found.

export type PersonalDataKind = 'e-mail address' | 'phone number' | 'card number'

export interface PersonalDataMatch {
  kind: PersonalDataKind
  /** The match with most of it replaced by `*`. */
  masked: string
}

const EMAIL =
  /(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]+)@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24})(?![A-Za-z0-9-])/g

/**
 * Domains reserved for documentation and testing (RFC 2606 and RFC 6761):
 * addresses there belong to no one.
 */
const RESERVED_DOMAIN = /(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid|localhost)$/i

/** `+` and a country code, then 2 to 5 groups of digits separated by one space, dot or dash. */
const INTERNATIONAL_PHONE = /(?<![\w+])\+[1-9]\d{0,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\w])/g
/** (555) 123-4567 */
const NORTH_AMERICAN_PHONE = /(?<![\w(])\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}(?![\w])/g

/** 13 to 19 digits, optionally in groups separated by one space or dash. */
const CARD_CANDIDATE = /(?<![\w.-])(?:\d[ -]?){12,18}\d(?![\w])/g

/**
 * Issuer prefixes of the major card networks (Visa, Mastercard, American
 * Express, Discover, JCB, Diners Club). Requiring one keeps timestamps and
 * ids that happen to pass the Luhn check out.
 */
const CARD_ISSUER =
  /^(?:4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|6011|64[4-9]|65|35(?:2[89]|[3-8]\d)|3(?:0[0-5]|[68]))/

/** Returns whether the digits pass the Luhn checksum that card numbers carry in their last digit. */
export function passesLuhn(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
  }
  return sum % 10 === 0
}

/** Replaces every digit but the last `keep` with `*`. */
function maskDigits(text: string, keep: number): string {
  let digitsLeft = text.replace(/\D/g, '').length
  let masked = ''
  for (const char of text) {
    if (char >= '0' && char <= '9') {
      masked += digitsLeft > keep ? '*' : char
      digitsLeft--
    } else masked += char
  }
  return masked
}

/** Strings shorter than this cannot hold any of the patterns (the shortest is a 13-digit card number). */
const MIN_LENGTH = 6

/** Finds obvious personal data in a text. */
export function findPersonalData(text: string): PersonalDataMatch[] {
  if (text.length < MIN_LENGTH) return []
  const found: PersonalDataMatch[] = []
  if (text.includes('@')) {
    for (const match of text.matchAll(EMAIL)) {
      const [, local, domain] = match
      if (RESERVED_DOMAIN.test(domain!)) continue
      found.push({ kind: 'e-mail address', masked: `${local!.slice(0, 1)}***@${domain}` })
    }
  }
  for (const pattern of [INTERNATIONAL_PHONE, NORTH_AMERICAN_PHONE]) {
    for (const match of text.matchAll(pattern)) {
      const digits = match[0].replace(/\D/g, '')
      // E.164 numbers have at most 15 digits; fewer than 8 is a short code or a plain number.
      if (digits.length < 8 || digits.length > 15) continue
      found.push({ kind: 'phone number', masked: maskDigits(match[0], 2) })
    }
  }
  for (const match of text.matchAll(CARD_CANDIDATE)) {
    const digits = match[0].replace(/\D/g, '')
    if (digits.length < 13 || digits.length > 19) continue
    if (!CARD_ISSUER.test(digits) || !passesLuhn(digits)) continue
    found.push({ kind: 'card number', masked: maskDigits(match[0], 4) })
  }
  return found
}
