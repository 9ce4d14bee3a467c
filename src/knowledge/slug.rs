//! URL slugs from titles: Unicode-aware, lowercase, diacritics folded, with a
//! numeric suffix on collision (the caller says which slugs are taken).
//!
//! Layer 2 (pure): depends on the sibling `analyzer` module only.

use super::analyzer::fold_char;

/// Longest slug produced, in characters (before a collision suffix).
pub const MAX_SLUG_CHARS: usize = 80;

/// A URL slug for `title`: letters and digits of any script are kept (lowercased,
/// Latin diacritics folded), every other run of characters becomes one `-`, and the
/// result is cut at a word boundary to [`MAX_SLUG_CHARS`]. A title with no letter or
/// digit gives `"article"`.
///
/// # Example
///
/// ```
/// use hotcrm_support::knowledge::slugify;
/// assert_eq!(slugify("How to Reset Your Password?"), "how-to-reset-your-password");
/// assert_eq!(slugify("Réinitialiser le mot de passe"), "reinitialiser-le-mot-de-passe");
/// assert_eq!(slugify("如何重置密码"), "如何重置密码");
/// assert_eq!(slugify("!!!"), "article");
/// ```
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    let mut pending_dash = false;
    for c in title.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            for lc in c.to_lowercase() {
                fold_char(lc, &mut out);
            }
        } else {
            pending_dash = true;
        }
    }
    if out.chars().count() > MAX_SLUG_CHARS {
        let cut: String = out.chars().take(MAX_SLUG_CHARS).collect();
        // Prefer cutting at the last dash so no word is chopped.
        out = match cut.rfind('-') {
            Some(i) if i > MAX_SLUG_CHARS / 2 => cut.get(..i).unwrap_or(&cut).to_owned(),
            _ => cut,
        };
    }
    if out.is_empty() {
        out.push_str("article");
    }
    out
}

/// The first of `base`, `base-2`, `base-3`, ... for which `taken` is false.
///
/// ```
/// use hotcrm_support::knowledge::unique_slug;
/// let taken = ["reset-password", "reset-password-2"];
/// assert_eq!(unique_slug("reset-password", |s| taken.contains(&s)), "reset-password-3");
/// ```
pub fn unique_slug(base: &str, mut taken: impl FnMut(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_owned();
    }
    let mut n: u64 = 2;
    loop {
        let candidate = format!("{base}-{n}");
        if !taken(&candidate) {
            return candidate;
        }
        n = n.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_table() {
        for (title, want) in [
            ("How to Reset Your Password", "how-to-reset-your-password"),
            ("  Leading and trailing  ", "leading-and-trailing"),
            ("SSO / SAML 2.0 setup", "sso-saml-2-0-setup"),
            ("Straße & Café", "strasse-cafe"),
            ("パスワードのリセット", "パスワードのリセット"),
            ("API: rate-limits (429)", "api-rate-limits-429"),
            ("", "article"),
            ("—", "article"),
        ] {
            assert_eq!(slugify(title), want, "slugify({title:?})");
        }
    }

    #[test]
    fn long_titles_are_cut_at_a_dash() {
        let title = "word ".repeat(100);
        let slug = slugify(&title);
        assert!(slug.chars().count() <= MAX_SLUG_CHARS);
        assert!(!slug.ends_with('-'));
        assert!(slug.ends_with("word"));
    }
}
