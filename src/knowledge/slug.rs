//! URL slugs from titles: Unicode-aware, lowercase, diacritics folded, with a
//! numeric suffix on collision (the caller says which slugs are taken).
//!
//! Layer 2 (pure): depends on the sibling `analyzer` module only.

use super::analyzer::fold_char;

/// Longest slug produced, in characters (before a collision suffix).
pub const MAX_SLUG_CHARS: usize = 80;

/// A URL slug for `title`: letters and digits of any script are kept (lowercased,
/// Latin diacritics folded; what lowercasing adds that is not a letter or digit,
/// such as the dot of `İ`, is dropped), every other run of characters becomes one
/// `-`, and the result is cut at a word boundary to [`MAX_SLUG_CHARS`]. A title
/// with no letter or digit gives `"article"`. A slug is its own slug, so a stored
/// slug can be checked ([`KnowledgeArticle::validate`](super::KnowledgeArticle::validate)).
///
/// # Example
///
/// ```
/// use hotcrm_support::knowledge::slugify;
/// assert_eq!(slugify("How to Reset Your Password?"), "how-to-reset-your-password");
/// assert_eq!(slugify("Réinitialiser le mot de passe"), "reinitialiser-le-mot-de-passe");
/// assert_eq!(slugify("如何重置密码"), "如何重置密码");
/// assert_eq!(slugify("!!!"), "article");
/// assert_eq!(slugify("İstanbul"), "istanbul");
/// let slug = slugify("Straße & Café");
/// assert_eq!(slugify(&slug), slug);
/// ```
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    let mut folded = String::new();
    let mut pending_dash = false;
    for c in title.chars() {
        if c.is_alphanumeric() {
            folded.clear();
            for lc in c.to_lowercase() {
                fold_char(lc, &mut folded);
            }
            if !folded.chars().any(char::is_alphanumeric) {
                pending_dash = true;
                continue;
            }
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.extend(folded.chars().filter(|c| c.is_alphanumeric()));
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

/// Whether `slug` is what [`slugify`] makes of some title, possibly with the
/// `-N` suffix of [`unique_slug`].
pub(crate) fn is_valid_slug(slug: &str) -> bool {
    if slugify(slug) == slug {
        return true;
    }
    slug.rsplit_once('-').is_some_and(|(base, n)| {
        !n.is_empty()
            && n.len() <= 20
            && !n.starts_with('0')
            && n.bytes().all(|b| b.is_ascii_digit())
            && slugify(base) == base
    })
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
    fn every_slug_is_its_own_slug() {
        // Every letter and digit (the rest only ever separates words).
        let chars = (0..=0x10_FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|c| c.is_alphanumeric());
        for c in chars.chain([' ', '-', '\u{301}', '\u{a0}', '!']) {
            for title in [c.to_string(), format!("a{c}b"), format!("{c}{c} {c}x")] {
                let slug = slugify(&title);
                assert_eq!(slugify(&slug), slug, "slugify({title:?})");
                assert!(is_valid_slug(&slug), "{slug:?}");
            }
        }
        let long = slugify(&"word ".repeat(100));
        assert!(is_valid_slug(&format!("{long}-12")));
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "é", "article-"] {
            assert!(!is_valid_slug(bad), "{bad:?}");
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
