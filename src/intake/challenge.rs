//! A stateless, signed proof-of-work challenge for web forms (feature
//! `signatures`): the server issues a token signed with HMAC-SHA256, the
//! browser finds a number whose SHA-256 with the token has `difficulty`
//! leading zero bits, the server verifies signature, age and work. No state,
//! no clock read, no randomness: `now` and the nonce seed are parameters.
//!
//! A solved token stays valid until it expires; the form's per-IP and
//! per-email rate limits bound how often it can be replayed.

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::email::hex;

type HmacSha256 = Hmac<Sha256>;

/// The hardest difficulty accepted (leading zero bits).
///
/// ```
/// assert_eq!(hotcrm_support::intake::MAX_DIFFICULTY, 32);
/// ```
pub const MAX_DIFFICULTY: u8 = 32;

/// Why a challenge answer was refused.
///
/// ```
/// use hotcrm_support::intake::ChallengeError;
/// assert_eq!(ChallengeError::Expired.to_string(), "challenge expired");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[non_exhaustive]
pub enum ChallengeError {
    /// The token is not one we issue.
    #[error("malformed challenge token")]
    Malformed,
    /// The signature does not match: forged or tampered.
    #[error("challenge signature mismatch")]
    BadSignature,
    /// Older than its time to live.
    #[error("challenge expired")]
    Expired,
    /// Issued after `now` (clock skew or forgery).
    #[error("challenge issued in the future")]
    IssuedInFuture,
    /// Easier than the form requires.
    #[error("challenge too easy")]
    TooEasy,
    /// The solution does not do the work.
    #[error("challenge not solved")]
    NotSolved,
}

/// An issued challenge.
///
/// ```
/// use hotcrm_support::intake::Challenge;
/// let secret = b"server secret";
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let c = Challenge::issue(secret, now, 8, b"request-42");
/// let token = c.token();
/// let parsed = Challenge::parse(&token)?;
/// let solution = parsed.solve(1 << 20).unwrap();
/// parsed.verify(secret, solution, now + chrono::TimeDelta::seconds(30), chrono::TimeDelta::minutes(10))?;
/// assert!(parsed.verify(b"other secret", solution, now, chrono::TimeDelta::minutes(10)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Challenge {
    /// When it was issued (whole seconds).
    pub issued_at: DateTime<Utc>,
    /// Leading zero bits required (at most [`MAX_DIFFICULTY`]).
    pub difficulty: u8,
    /// A hex nonce derived from the secret and the caller's seed.
    pub nonce: String,
    /// Hex HMAC-SHA256 over the other fields.
    pub signature: String,
}

impl Challenge {
    /// Issues a challenge at `now` with `difficulty` (capped at
    /// [`MAX_DIFFICULTY`]); `nonce_seed` makes tokens differ (pass a request
    /// id or random bytes from the host).
    ///
    /// ```
    /// use hotcrm_support::intake::Challenge;
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// assert_ne!(Challenge::issue(b"s", now, 4, b"a").nonce, Challenge::issue(b"s", now, 4, b"b").nonce);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issue(
        secret: &[u8],
        now: DateTime<Utc>,
        difficulty: u8,
        nonce_seed: &[u8],
    ) -> Challenge {
        let issued_at = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
        let difficulty = difficulty.min(MAX_DIFFICULTY);
        let mut mac = mac(secret);
        mac.update(b"nonce\0");
        mac.update(&issued_at.timestamp().to_be_bytes());
        mac.update(nonce_seed);
        let nonce_bytes = mac.finalize().into_bytes();
        let nonce = hex(nonce_bytes.get(..16).unwrap_or(&nonce_bytes));
        let mut c = Challenge {
            issued_at,
            difficulty,
            nonce,
            signature: String::new(),
        };
        c.signature = hex(&c.mac(secret).finalize().into_bytes());
        c
    }

    fn payload(&self) -> String {
        format!(
            "v1.{}.{}.{}",
            self.issued_at.timestamp(),
            self.difficulty,
            self.nonce
        )
    }

    fn mac(&self, secret: &[u8]) -> HmacSha256 {
        let mut m = mac(secret);
        m.update(self.payload().as_bytes());
        m
    }

    /// The token to embed in the form: `v1.{unix}.{difficulty}.{nonce}.{signature}`.
    ///
    /// ```
    /// # use hotcrm_support::intake::Challenge;
    /// assert!(Challenge::issue(b"s", "2026-01-05T09:00:00Z".parse()?, 4, b"x").token().starts_with("v1.1767603600.4."));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn token(&self) -> String {
        format!("{}.{}", self.payload(), self.signature)
    }

    /// Reads a token back.
    ///
    /// # Errors
    ///
    /// [`ChallengeError::Malformed`] when it is not a token we issue.
    ///
    /// ```
    /// # use hotcrm_support::intake::{Challenge, ChallengeError};
    /// assert_eq!(Challenge::parse("v1.x"), Err(ChallengeError::Malformed));
    /// ```
    pub fn parse(token: &str) -> Result<Challenge, ChallengeError> {
        let mut parts = token.trim().split('.');
        let (Some("v1"), Some(ts), Some(d), Some(nonce), Some(sig), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(ChallengeError::Malformed);
        };
        let is_hex =
            |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_hex(nonce, 32) || !is_hex(sig, 64) {
            return Err(ChallengeError::Malformed);
        }
        let issued_at = ts
            .parse::<i64>()
            .ok()
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .ok_or(ChallengeError::Malformed)?;
        let difficulty: u8 = d.parse().map_err(|_| ChallengeError::Malformed)?;
        if difficulty > MAX_DIFFICULTY {
            return Err(ChallengeError::Malformed);
        }
        Ok(Challenge {
            issued_at,
            difficulty,
            nonce: nonce.to_ascii_lowercase(),
            signature: sig.to_ascii_lowercase(),
        })
    }

    /// Whether `solution` does the work: SHA-256 of `token:solution` has
    /// `difficulty` leading zero bits.
    ///
    /// ```
    /// # use hotcrm_support::intake::Challenge;
    /// let c = Challenge::issue(b"s", "2026-01-05T09:00:00Z".parse()?, 0, b"x");
    /// assert!(c.is_solved_by(0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_solved_by(&self, solution: u64) -> bool {
        let digest = Sha256::digest(format!("{}:{solution}", self.token()).as_bytes());
        leading_zero_bits(&digest) >= u32::from(self.difficulty)
    }

    /// Finds a solution by brute force, trying at most `max_tries` numbers
    /// (what the browser does; here for tests and non-browser clients).
    ///
    /// ```
    /// # use hotcrm_support::intake::Challenge;
    /// let c = Challenge::issue(b"s", "2026-01-05T09:00:00Z".parse()?, 4, b"x");
    /// assert!(c.solve(10_000).is_some_and(|n| c.is_solved_by(n)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn solve(&self, max_tries: u64) -> Option<u64> {
        (0..max_tries).find(|n| self.is_solved_by(*n))
    }

    /// Verifies the signature (constant time), the age (`issued_at <= now <
    /// issued_at + ttl`) and the work.
    ///
    /// # Errors
    ///
    /// A [`ChallengeError`] naming the first check that failed.
    ///
    /// ```
    /// # use chrono::TimeDelta;
    /// # use hotcrm_support::intake::{Challenge, ChallengeError};
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// let c = Challenge::issue(b"s", now, 0, b"x");
    /// assert_eq!(c.verify(b"s", 0, now + TimeDelta::minutes(11), TimeDelta::minutes(10)), Err(ChallengeError::Expired));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify(
        &self,
        secret: &[u8],
        solution: u64,
        now: DateTime<Utc>,
        ttl: TimeDelta,
    ) -> Result<(), ChallengeError> {
        let sig = decode_hex(&self.signature).ok_or(ChallengeError::Malformed)?;
        self.mac(secret)
            .verify_slice(&sig)
            .map_err(|_| ChallengeError::BadSignature)?;
        if self.issued_at > now {
            return Err(ChallengeError::IssuedInFuture);
        }
        if self
            .issued_at
            .checked_add_signed(ttl)
            .is_none_or(|expiry| now >= expiry)
        {
            return Err(ChallengeError::Expired);
        }
        if !self.is_solved_by(solution) {
            return Err(ChallengeError::NotSolved);
        }
        Ok(())
    }
}

fn mac(secret: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; the error branch cannot happen.
    HmacSha256::new_from_slice(secret)
        .unwrap_or_else(|_| <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default()))
}

fn leading_zero_bits(bytes: &[u8]) -> u32 {
    let mut n = 0;
    for b in bytes {
        if *b == 0 {
            n += 8;
        } else {
            return n + b.leading_zeros();
        }
    }
    n
}

/// Decodes hex (either case); `None` on odd length or a non-hex digit.
pub(crate) fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|pair| {
            let digit = |b: u8| (b as char).to_digit(16);
            let (hi, lo) = (digit(*pair.first()?)?, digit(*pair.get(1)?)?);
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}
