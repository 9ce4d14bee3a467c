//! Text analysis shared by the search index, the quality score and the heuristic AI:
//! Unicode (UAX #29) word segmentation, lowercasing, diacritic folding, English stop
//! words and a light stemmer, with CJK text turned into overlapping character bigrams;
//! and the support-desk synonym table the index uses to expand queries.
//!
//! Every rule below was measured on two real known-item sets (10,000 Debian package
//! descriptions, 9,793 man pages; `examples/search_eval.rs`), as MRR@10 of BM25 with
//! the rule against without it:
//!
//! | rule | Debian | man pages |
//! |---|---|---|
//! | stemming (light, below; with it the phrasal verbs) | +0.024 | +0.007 |
//! | stop words | +0.003 | +0.014 |
//! | split at inner `.` `,` `_` `:` `;` (UAX #29 keeps them in a word) | +0.005 | +0.009 |
//! | comparatives and adverbs (stemmer steps 1–2) | +0.001 | +0.001 |
//! | phrasal verbs (`log in` → `login`) | 0.000 | +0.001 |
//! | diacritic folding | 0.000 | 0.000 |
//!
//! Both sets are English ASCII text: diacritic folding and CJK bigrams cannot show a
//! gain there and are kept for the multilingual knowledge bases they exist for.
//!
//! The Snowball English stemmer (`rust-stemmers`) was tried in place of the light
//! stemmer: +0.004 (Debian) and +0.001 (man pages) MRR@10, but its derivational steps
//! join words a help desk must keep apart (*deletion*/*delete*, *authenticator* →
//! `authent`, *coding*/*code*), which failed support-desk ranking queries; the light
//! stemmer is kept.
//!
//! Decisions (user-facing versions on [`Analyzer`]):
//!
//! * **Words** are Unicode words (UAX #29, `unicode-segmentation`), split again at
//!   the `.`, `,`, `_`, `:` and `;` that UAX #29 keeps inside a word, so
//!   `example.com`, `snake_case`, `1,000` and `v2.3` yield their parts (`v2`, `3`);
//!   identifiers such as `0x80070005` stay whole. Apostrophes are dropped (`can't`
//!   → `cant`). Combining accents of decomposed text stay in their word and are
//!   folded with the others.
//!
//! * **Stemming** is light and rule-based, applied to ASCII words without digits of
//!   more than three letters, in this order:
//!   1. comparatives and superlatives of a fixed list of common gradable adjectives
//!      become the adjective (`older`/`oldest` → `old`, `easier` → `easy`, `bigger`
//!      → `big`, `larger` → `large`). A list, not a suffix rule: most *-er* words
//!      are not comparatives (user, order, server, customer, number, folder), and
//!      *later/latest*, *closer/closest* (not "closed"), *finer* and the irregular
//!      *better/best* are left out on purpose;
//!   2. otherwise adverbs lose *-ly* to meet their adjective: `-ically` → `-ical`
//!      (then step 5), `-ably`/`-ibly` → `-abl`/`-ibl` (as *-able*/*-ible* stem),
//!      and `-ally`, `-fully`, `-ely` and consonant + `ly` drop the `ly`
//!      (`manually` → `manual`, `safely` → `safe`, `slowly` → `slow`, `monthly` →
//!      `month`). Nouns and verbs in *-ly* keep it: `-ily` (family, daily), `-ply`
//!      (apply, reply), `-fly`, other `-lly` (belly), `-bly` other than
//!      `-ably`/`-ibly` (assembly), a vowel other than `e` before `ly` (anomaly,
//!      truly), and any word that would keep fewer than four letters (early, newly,
//!      rally). Degree adverbs keep their own stem because their adjective means
//!      something else — *really, highly, hardly, nearly, totally, completely,
//!      extremely, terribly*... ("hardly" is not "hard"; the heuristic AI reads
//!      them as intensifiers and negators) — as do *lately*, *shortly* and
//!      *quickly* (it asks for speed, where *quick* praises: "a quick answer");
//!   3. plurals: `-ies` → `-i`, `-sses` → `-ss`, a final `-s` except after `s`,
//!      `u`, `i` (access, status, analysis);
//!   4. `-ing` (words over five letters) and `-ed` (over four, not `-eed`), then a
//!      doubled final consonant other than `l`, `s`, `z` is undoubled (resetting →
//!      reset), and a three-letter consonant-vowel-consonant past tense gets its
//!      silent `e` back (noted → note, never the negation *not*; rated → rate;
//!      not after `w`, `x`, `y`: fixed → fix);
//!   5. `-ical` → `-ic` in words of seven letters or more, so *automatic*,
//!      *automatically* and *critical*, *critically* each meet;
//!   6. a final `-e` (words over four letters, not `-ee`) is dropped and consonant +
//!      `y` becomes `i` (company, companies → `compani`).
//!
//!   The heuristic AI's lexicons go through the same analyzer, so its cue words
//!   follow these rules too.
//! * **Stop words** are English function words, question words included ("how do
//!   I ..." carries no topic) — except *who*/*whom*: "who exported data last week"
//!   asks for the actor of an action, which is what audit-log, ownership and
//!   assignment articles are about ("see who signed in ..."). The word is rare in
//!   articles, so BM25's idf makes it decisive where it occurs and cheap elsewhere.
//! * **Synonyms** ([`SYNONYMS`]) are query-side only, weight 0.6 of an exact match
//!   (`SYNONYM_WEIGHT` in `index`). One-word entries expand to every other one-word
//!   entry of their group. Entries of several words ("access rights") are matched
//!   as consecutive query terms and expand to the group's one-word entries; they
//!   are never added as expansions (the index stores no positions). Bare "rights"
//!   is deliberately absent: the stemmer merges it with "right", and "the right
//!   queue" or "right now" must not search for permissions.
//!
//! Layer 2 (pure): depends on nothing else in the crate.

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

/// Longest token kept, in bytes; longer runs (hashes, base64 blobs) are cut so the
/// vocabulary stays small.
const MAX_TOKEN_BYTES: usize = 48;

/// How text is turned into index terms.
///
/// The same analyzer must be used to index and to query. Every switch is on by
/// default; turning one off is useful for exact-match fields or other languages.
///
/// **Stop words.** English function words are dropped, question words included
/// ("how", "what", "when" carry no topic), except *who* and *whom*: a question like
/// "who exported data last week" asks for the person behind an action, and the
/// articles that answer it (audit logs, ownership, assignment) say "who". The word
/// is rare in articles, so it weighs a lot where it occurs and little elsewhere.
///
/// **Stemming** is light and only touches ASCII words without digits of more than
/// three letters: plurals, *-ing* and *-ed* (`resetting` → `reset`), a final *-e*,
/// *-y* → *-i* (`company`/`companies`), and:
///
/// * adverbs meet their adjective: `automatically` → `automatic`, `manually` →
///   `manual`, `safely` → `safe`, `slowly` → `slow`, `probably` → `probabl` (as
///   `probable`); *-ical* meets *-ic* (`critical`, `critically` → `critic`). Words
///   in *-ly* that are not adverbs keep it (family, daily, apply, reply, assembly,
///   early), and so do degree adverbs, whose adjective means something else
///   (*really, highly, hardly, nearly, totally, completely, extremely,
///   terribly*...), *lately*, *shortly* and *quickly* (a request for speed, where
///   "quick" praises);
/// * comparatives and superlatives of a list of common adjectives meet the
///   adjective (`older`, `oldest` → `old`; `easier` → `easy`; `bigger` → `big`),
///   never by a suffix rule, so *-er* nouns (user, order, server, customer,
///   number) are left alone; *later/latest*, *closer/closest* and *better/best*
///   are not joined either.
///
/// **Query synonyms** (on by default, see [`Analyzer::query_synonyms`]) are support-desk
/// word groups searched at 0.6 of an exact match's weight: for example
/// *allowed/permit/permitted/permission/privilege/role* plus the phrases
/// *access rights* and *user rights* (bare "rights" is not a synonym: stemmed, it is
/// "right", as in "the right queue"); *erase/delete/wipe/remove*; *ticket/case*;
/// *bill/invoice/receipt*; *spreadsheet/csv/excel/xlsx*; *connect/integrate/integration*;
/// *automation/automate* with the no-code phrasings *nocode*, *low-code*, *without
/// coding*, *without writing code* (but not "no code" or "no-code", which
/// analyse alike and also mean a missing sign-in code).
///
/// # Example
///
/// ```
/// use hotcrm_support::knowledge::Analyzer;
///
/// let terms = Analyzer::default().terms("Resetting your Passwords, café-style!");
/// assert_eq!(terms, ["reset", "password", "cafe", "styl"]);
/// // Adverbs and comparatives meet their adjective; "-er" nouns are left alone.
/// assert_eq!(
///     Analyzer::default().terms("Older users' tickets are closed automatically"),
///     ["old", "user", "ticket", "clos", "automatic"],
/// );
/// // "who" is kept: it asks for the person behind an action.
/// assert_eq!(Analyzer::default().terms("Who exported the data?"), ["who", "export", "data"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analyzer {
    /// Drop English stop words ("the", "to", "how", ...).
    pub stop_words: bool,
    /// Apply the light English stemmer (plurals, -ing, -ed, final -e, adverbs in
    /// -ly, -ical, comparatives of common adjectives; see [`Analyzer`]).
    pub stemming: bool,
    /// Fold Latin diacritics (`é` → `e`, `ß` → `ss`) so accented and plain spellings meet.
    pub fold_diacritics: bool,
    /// Expand query words with a small built-in table of support-desk synonyms
    /// (`spreadsheet` → `csv`, `excel`; `ticket` → `case`; `bill` → `invoice`;
    /// `permitted` → `permission`, `role` ...). Several-word entries (`access rights`)
    /// are recognised as consecutive query words. Only queries are expanded, at a
    /// reduced weight (0.6); the index is unaffected. The search index also needs
    /// [`SearchRules::synonyms`](super::SearchRules::synonyms), which is off by
    /// default (the table did not help on real corpora outside the support domain).
    pub query_synonyms: bool,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self {
            stop_words: true,
            stemming: true,
            fold_diacritics: true,
            query_synonyms: true,
        }
    }
}

impl Analyzer {
    /// An analyzer that only splits and lowercases (no stop words, no stemming, no folding).
    ///
    /// ```
    /// use hotcrm_support::knowledge::Analyzer;
    /// assert_eq!(Analyzer::raw().terms("The Invoices"), ["the", "invoices"]);
    /// ```
    pub const fn raw() -> Self {
        Self {
            stop_words: false,
            stemming: false,
            fold_diacritics: false,
            query_synonyms: false,
        }
    }

    /// The index terms of `text`, in order of appearance (duplicates kept).
    ///
    /// Words are Unicode (UAX #29) words, split again at inner `.`, `,`, `_`, `:`
    /// and `;` (`example.com` → `exampl`, `com`; `v2.3` → `v2`, `3`); apostrophes
    /// inside a word are dropped (`can't` → `cant`). With stemming on, the phrasal verbs "log
    /// in/on/out", "sign in/on/up" and "set up" also yield the joined word
    /// (`login`, `signin`, `setup`...) so they meet the one-word spelling. Han, Hiragana, Katakana and Hangul runs become
    /// overlapping bigrams (a single character stays a unigram), so CJK text is
    /// searchable without a dictionary.
    ///
    /// ```
    /// use hotcrm_support::knowledge::Analyzer;
    /// assert_eq!(Analyzer::default().terms("重置密码"), ["重置", "置密", "密码"]);
    /// ```
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_term(text, |t| out.push(t.to_owned()));
        out
    }

    /// The index terms of `text` in one buffer: a single allocation for the text and
    /// one for the term boundaries, instead of one `String` per term.
    pub(crate) fn term_buffer(&self, text: &str) -> TermBuffer {
        let mut out = TermBuffer {
            text: String::with_capacity(text.len()),
            ends: Vec::new(),
        };
        self.for_each_term(text, |t| {
            out.text.push_str(t);
            out.ends.push(out.text.len());
        });
        out
    }

    /// Calls `f` with each index term of `text`; allocation-free apart from one buffer.
    pub(crate) fn for_each_term(&self, text: &str, mut f: impl FnMut(&str)) {
        let mut prev_verb: Option<&'static str> = None;
        let mut buf = String::new();
        for_each_word(text, |word| match word {
            Word::Plain(w) => {
                buf.clear();
                for c in w.chars() {
                    if c == '\'' || c == '\u{2019}' {
                        continue;
                    }
                    if c.is_ascii() {
                        // Fast path: ASCII needs neither Unicode lowercasing nor folding.
                        buf.push(c.to_ascii_lowercase());
                        continue;
                    }
                    for lc in c.to_lowercase() {
                        if self.fold_diacritics {
                            fold_char(lc, &mut buf);
                        } else {
                            buf.push(lc);
                        }
                    }
                }
                truncate_to_boundary(&mut buf, MAX_TOKEN_BYTES);
                if self.stemming {
                    // Phrasal verbs users type apart: "log in" meets "login".
                    let joined = match (prev_verb, buf.as_str()) {
                        (Some("log"), "in" | "on") => Some("login"),
                        (Some("log"), "out") => Some("logout"),
                        (Some("sign"), "in" | "on") => Some("signin"),
                        (Some("sign"), "up") => Some("signup"),
                        (Some("set"), "up") => Some("setup"),
                        _ => None,
                    };
                    prev_verb = match buf.as_str() {
                        "log" => Some("log"),
                        "sign" => Some("sign"),
                        "set" => Some("set"),
                        _ => None,
                    };
                    if let Some(j) = joined {
                        f(j);
                        return;
                    }
                }
                if buf.is_empty() || (self.stop_words && is_stop_word(&buf)) {
                    return;
                }
                if self.stemming {
                    stem_in_place(&mut buf);
                }
                f(&buf);
            }
            Word::Cjk(run) => {
                prev_verb = None;
                let chars: Vec<char> = run.chars().collect();
                if let [only] = chars.as_slice() {
                    let mut s = String::new();
                    s.push(*only);
                    f(&s);
                    return;
                }
                let mut s = String::with_capacity(8);
                for pair in chars.windows(2) {
                    s.clear();
                    s.extend(pair.iter());
                    f(&s);
                }
            }
        });
    }
}

/// The terms of a text, stored back to back (see [`Analyzer::term_buffer`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct TermBuffer {
    text: String,
    ends: Vec<usize>,
}

impl TermBuffer {
    /// The terms, in order.
    pub(crate) fn terms(&self) -> Vec<&str> {
        let mut start = 0;
        self.ends
            .iter()
            .map(|&end| {
                let term = self.text.get(start..end).unwrap_or_default();
                start = end;
                term
            })
            .collect()
    }
}

/// A word as found by [`for_each_word`].
enum Word<'a> {
    /// Alphanumeric run (any script except CJK), possibly with inner apostrophes.
    Plain(&'a str),
    /// A run of CJK ideographs or kana/hangul.
    Cjk(&'a str),
}

/// Whether `c` is written without spaces between words (Han, kana, Hangul).
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF     // Hiragana, Katakana
        | 0x3400..=0x4DBF   // CJK Extension A
        | 0x4E00..=0x9FFF   // CJK Unified Ideographs
        | 0xF900..=0xFAFF   // Compatibility Ideographs
        | 0xAC00..=0xD7AF   // Hangul syllables
        | 0x20000..=0x2FA1F // Extensions B..
    )
}

/// Punctuation UAX #29 keeps inside a word (`example.com`, `snake_case`, `1,000`,
/// `a:b`); the analyzer splits there.
const INNER_PUNCT: [char; 5] = ['.', ',', '_', ':', ';'];

/// Splits `text` into words on Unicode (UAX #29) word boundaries, without
/// allocating. CJK characters, which UAX #29 leaves as single ideographs (or
/// joins with adjacent letters, as it does Hangul), are gathered into runs of
/// adjacent CJK text for bigramming.
fn for_each_word<'a>(text: &'a str, mut f: impl FnMut(Word<'a>)) {
    // The pending CJK run, as a byte range of `text`.
    let mut run: Option<(usize, usize)> = None;
    for (at, word) in text.unicode_word_indices() {
        let mut rest = word;
        let mut offset = at;
        while let Some(first) = rest.chars().next() {
            let cjk = is_cjk(first);
            let len = rest
                .char_indices()
                .find(|&(_, c)| is_cjk(c) != cjk)
                .map_or(rest.len(), |(i, _)| i);
            let Some((part, tail)) = rest.split_at_checked(len) else {
                break;
            };
            if cjk {
                run = match run {
                    Some((start, end)) if end == offset => Some((start, offset + len)),
                    other => {
                        emit_run(text, other, &mut f);
                        Some((offset, offset + len))
                    }
                };
            } else {
                emit_run(text, run.take(), &mut f);
                // UAX #29 keeps `example.com`, `snake_case`, `1,000` and `a:b`
                // together; their parts are the words (see the module docs).
                for piece in part.split(INNER_PUNCT).filter(|p| !p.is_empty()) {
                    f(Word::Plain(piece));
                }
            }
            offset += len;
            rest = tail;
        }
    }
    emit_run(text, run, &mut f);

    fn emit_run<'a>(text: &'a str, run: Option<(usize, usize)>, f: &mut impl FnMut(Word<'a>)) {
        if let Some(slice) = run.and_then(|(start, end)| text.get(start..end)) {
            f(Word::Cjk(slice));
        }
    }
}

fn truncate_to_boundary(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while cut > 0 && !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

/// Folds one lowercase Latin letter with a diacritic to its base letter(s).
pub(crate) fn fold_char(c: char, out: &mut String) {
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'þ' => "th",
        // Combining diacritics of decomposed text (`e` + U+0301), which UAX #29
        // keeps inside the word.
        '\u{0300}'..='\u{036F}' => "",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(base);
}

/// Synonym groups of the support domain used for query expansion: every one-word
/// entry of a group also searches for the group's other one-word entries; an entry
/// of several words is recognised as consecutive query terms and searches for the
/// group's one-word entries (it is never itself an expansion).
pub(crate) const SYNONYMS: &[&[&str]] = &[
    &["ticket", "case"],
    &["bill", "invoice", "receipt"],
    &["billed", "charged"],
    &["spreadsheet", "csv", "excel", "xlsx"],
    &[
        "allowed",
        "permission",
        "permissions",
        "permit",
        "permitted",
        "privilege",
        "privileges",
        "role",
        "access rights",
        "user rights",
    ],
    &["login", "signin"],
    &["password", "credentials", "passcode"],
    &["2fa", "mfa", "authenticator"],
    &["sso", "saml", "okta", "onelogin", "adfs"],
    &["crash", "crashes", "freeze", "hang"],
    &["slow", "lag", "sluggish", "performance"],
    &["mail", "email", "e-mail"],
    &["phone", "mobile", "iphone", "android", "smartphone"],
    &["colleague", "coworker", "teammate", "user"],
    &["erase", "delete", "wipe", "remove"],
    &["token", "key"],
    &["refund", "reimburse", "reimbursement"],
    &["yearly", "annual", "annually"],
    &["card", "payment"],
    &["down", "outage", "unavailable"],
    &["connect", "integrate", "integration"],
    &[
        "automation",
        "automate",
        "nocode",
        "codeless",
        "low-code",
        "no coding",
        "no programming",
        "without coding",
        "without programming",
        "without writing code",
    ],
];

/// English stop words: function words that carry no topic (sorted for binary search).
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "because", "been", "before", "being", "between", "both", "but", "by", "can", "could",
    "did", "do", "does", "doing", "during", "each", "for", "from", "further", "had", "has", "have",
    "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is",
    "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "of", "off", "on", "once",
    "only", "or", "other", "our", "ours", "out", "over", "own", "same", "she", "should", "so",
    "some", "such", "than", "that", "the", "their", "theirs", "them", "then", "there", "these",
    "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we",
    "were", "what", "when", "where", "which", "while", "why", "will", "with", "would", "you",
    "your", "yours", "yourself",
];

/// Whether `word` (lowercase) is an English stop word.
pub(crate) fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// Gradable adjectives whose comparative and superlative (`older`, `oldest`,
/// `easier`, `biggest`, `simpler`) stem to the adjective (sorted for binary search).
///
/// A list rather than a suffix rule: most English words in *-er* are not
/// comparatives (user, order, server, customer, number, folder, owner, trigger),
/// and stripping them would merge unrelated words. Left out on purpose: *late*
/// ("later" means afterwards, "latest" newest), *close* ("closer" is not "closed"),
/// *fine* (also the penalty) and the irregular *good/better/best*, *bad/worse/worst*.
const GRADABLE_ADJECTIVES: &[&str] = &[
    "big", "bright", "busy", "cheap", "clean", "clear", "cold", "deep", "early", "easy", "fast",
    "few", "fresh", "great", "hard", "heavy", "high", "hot", "large", "light", "long", "loose",
    "loud", "low", "near", "new", "old", "quick", "rich", "safe", "sharp", "short", "simple",
    "slow", "small", "smart", "soft", "soon", "strong", "thick", "thin", "tight", "tiny", "warm",
    "weak", "wide", "young",
];

/// The longest entry of [`GRADABLE_ADJECTIVES`].
const MAX_GRADABLE_LEN: usize = 6;

/// Adverbs in *-ly* that keep their own stem (sorted for binary search): degree
/// adverbs, whose adjective means something else ("hardly" is not "hard", "really"
/// not "real", "highly" not "high"; the heuristic AI reads them as intensifiers and
/// negators), adverbs of time ("lately", "shortly"), and *quickly*, which asks for
/// speed ("fix it quickly") where *quick* praises it ("a quick answer").
const KEPT_ADVERBS: &[&str] = &[
    "absolutely",
    "awfully",
    "barely",
    "completely",
    "deeply",
    "entirely",
    "extremely",
    "fairly",
    "greatly",
    "hardly",
    "highly",
    "horribly",
    "incredibly",
    "largely",
    "lately",
    "merely",
    "mostly",
    "nearly",
    "presently",
    "quickly",
    "really",
    "scarcely",
    "shortly",
    "slightly",
    "strongly",
    "terribly",
    "totally",
    "utterly",
];

/// The adjective of a comparative or superlative of [`GRADABLE_ADJECTIVES`]:
/// `older`/`oldest` → `old`, `easier` → `easy`, `bigger` → `big`, `larger` → `large`.
fn comparative_base(w: &str) -> Option<&'static str> {
    let stem = w.strip_suffix("est").or_else(|| w.strip_suffix("er"))?;
    let undoubled = match stem.as_bytes() {
        // bigger -> big, thinner -> thin
        [.., x, y] if x == y && !is_vowel(*x) => stem.get(..stem.len() - 1),
        _ => None,
    };
    gradable(stem, "")
        .or_else(|| stem.strip_suffix('i').and_then(|s| gradable(s, "y")))
        .or_else(|| undoubled.and_then(|s| gradable(s, "")))
        .or_else(|| gradable(stem, "e"))
}

/// The entry of [`GRADABLE_ADJECTIVES`] spelled `head` + `tail`.
fn gradable(head: &str, tail: &str) -> Option<&'static str> {
    if head.len() + tail.len() > MAX_GRADABLE_LEN {
        return None;
    }
    let key = pack(head.as_bytes()) | (pack(tail.as_bytes()) >> (8 * head.len()));
    let i = GRADABLE_PACKED.binary_search(&key).ok()?;
    GRADABLE_ADJECTIVES.get(i).copied()
}

/// [`GRADABLE_ADJECTIVES`] as [`pack`]ed integers, which sort like the words: a
/// candidate is found by an integer binary search rather than string comparisons,
/// since this runs for every indexed word in *-er* and *-est*.
const GRADABLE_PACKED: [u64; GRADABLE_ADJECTIVES.len()] = {
    let mut out = [0u64; GRADABLE_ADJECTIVES.len()];
    let mut slots: &mut [u64] = &mut out;
    let mut words = GRADABLE_ADJECTIVES;
    while let ([slot, more_slots @ ..], [word, more_words @ ..]) = (slots, words) {
        *slot = pack(word.as_bytes());
        slots = more_slots;
        words = more_words;
    }
    out
};

/// The first eight bytes of `word` as a big-endian integer, zero padded, so that
/// words of at most eight bytes without NUL compare like their packed values.
const fn pack(word: &[u8]) -> u64 {
    let mut out = 0u64;
    let mut shift = 64u32;
    let mut rest = word;
    while let [b, tail @ ..] = rest {
        if shift == 0 {
            break;
        }
        shift -= 8;
        out |= (*b as u64) << shift;
        rest = tail;
    }
    out
}

/// Strips the *-ly* of an adverb so it meets its adjective: `-ically` → `-ical`
/// (then `-ic`, see [`stem_in_place`]), `-ably`/`-ibly` → `-abl`/`-ibl` (as
/// `-able`/`-ible` stem), and `-ally`, `-fully`, `-ely` and consonant + `-ly` lose the
/// `ly` (`manually` → `manual`, `successfully` → `successful`, `safely` → `safe`,
/// `slowly` → `slow`, `monthly` → `month`). Nouns and verbs in *-ly* are left
/// alone: `-ily` (family, daily), `-ply` (apply, reply, supply), `-fly`
/// (butterfly), other `-lly` (belly), `-bly` other than `-ably`/`-ibly`
/// (assembly), a vowel before `ly` other than `e` (anomaly, monopoly, truly), and
/// any word that would keep fewer than four letters (early, newly, rally, rely).
/// [`KEPT_ADVERBS`] keep their own stem.
fn strip_adverb(w: &mut String) {
    if w.len() < 6 || !w.ends_with("ly") || KEPT_ADVERBS.binary_search(&w.as_str()).is_ok() {
        return;
    }
    let cut = if w.ends_with("ically") {
        2 // automatically -> automatical (-> automatic)
    } else if w.ends_with("ably") || w.ends_with("ibly") {
        1 // probably -> probabl, as probable -> probabl
    } else if w.ends_with("ally") || w.ends_with("fully") || w.ends_with("ely") {
        2
    } else {
        match w.as_bytes() {
            [.., c, b'l', b'y']
                if !is_vowel(*c) && !matches!(c, b'l' | b'p' | b'f' | b'b' | b'y') =>
            {
                2
            }
            _ => 0,
        }
    };
    w.truncate(w.len() - cut);
}

/// A light English stemmer, chosen so that `invoice`/`invoices`, `update`/`updated`/
/// `updating`, `query`/`queries`, `reset`/`resetting`, `automatic`/`automatically`,
/// `slow`/`slowly`/`slower` and `old`/`older`/`oldest` meet, while short words and
/// *-er* nouns are left alone. The rules, in order, are in the module docs.
pub(crate) fn stem_in_place(w: &mut String) {
    if !w.is_ascii() || w.len() <= 3 || w.bytes().any(|b| b.is_ascii_digit()) {
        return;
    }
    if let Some(base) = comparative_base(w) {
        w.clear();
        w.push_str(base);
    } else {
        strip_adverb(w);
    }
    if w.ends_with("ies") && w.len() > 4 {
        w.truncate(w.len() - 2); // companies -> compani
        return;
    }
    if w.ends_with("sses") {
        w.truncate(w.len() - 2);
    } else if w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
        && w.len() > 3
    {
        w.truncate(w.len() - 1);
    }
    let mut stripped = false;
    let mut past = false;
    if w.len() > 5 && w.ends_with("ing") {
        w.truncate(w.len() - 3);
        stripped = true;
    } else if w.len() > 4 && w.ends_with("ed") && !w.ends_with("eed") {
        w.truncate(w.len() - 2);
        stripped = true;
        past = true;
    }
    if stripped {
        match *w.as_bytes() {
            [.., x, y] if x == y && !matches!(x, b'l' | b's' | b'z') && !is_vowel(x) => {
                w.truncate(w.len() - 1);
            }
            // A short consonant-vowel-consonant past tense lost its silent e:
            // noted -> note (not the negation "not"), timed -> time, rated ->
            // rate, meeting their base forms. Not for -ing: "coding" meeting
            // "code" made exact "code" matches outrank the no-code synonyms.
            [a, v, c]
                if past
                    && !is_vowel(a)
                    && is_vowel(v)
                    && !is_vowel(c)
                    && !matches!(c, b'w' | b'x' | b'y') =>
            {
                w.push('e');
            }
            _ => {}
        }
    }
    if w.len() >= 7 && w.ends_with("ical") {
        w.truncate(w.len() - 2);
    }
    if w.len() > 4 && w.ends_with('e') && !w.ends_with("ee") {
        w.truncate(w.len() - 1);
    }
    if w.len() > 3 && w.ends_with('y') {
        if let [.., x, _] = w.as_bytes() {
            if !is_vowel(*x) {
                w.truncate(w.len() - 1);
                w.push('i');
            }
        }
    }
}

/// Stems one word (see [`stem_in_place`]).
#[cfg(test)]
fn stem(word: &str) -> String {
    let mut s = word.to_owned();
    stem_in_place(&mut s);
    s
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Counts sentences and words in `text` for the readability part of the quality
/// score. A sentence ends at `.`, `!`, `?` (or their CJK forms) or at the end of a
/// line, so list items and headings count as short sentences.
pub(crate) fn sentence_stats(text: &str) -> (usize, usize) {
    let mut words = 0usize;
    for_each_word(text, |_| words += 1);
    let mut sentences = 0usize;
    for line in text.lines() {
        let mut open = false;
        for c in line.chars() {
            if c.is_alphanumeric() {
                open = true;
            } else if open && matches!(c, '.' | '!' | '?' | '。' | '！' | '？') {
                sentences += 1;
                open = false;
            }
        }
        if open {
            sentences += 1;
        }
    }
    (sentences, words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, STOP_WORDS);
    }

    #[test]
    fn stemmer_table() {
        for (word, want) in [
            ("invoices", "invoic"),
            ("invoice", "invoic"),
            ("updated", "updat"),
            ("updating", "updat"),
            ("update", "updat"),
            ("resetting", "reset"),
            ("reset", "reset"),
            ("logging", "log"),
            ("code", "code"),
            ("coded", "code"),
            ("noted", "note"),
            ("rated", "rate"),
            ("rate", "rate"),
            ("timed", "time"),
            ("hopping", "hop"),
            ("fixed", "fix"),
            ("synced", "sync"),
            ("passwords", "password"),
            ("billing", "bill"),
            ("access", "access"),
            ("status", "status"),
            ("api", "api"),
            ("companies", "compani"),
            ("company", "compani"),
            ("queries", "queri"),
            ("query", "queri"),
            ("key", "key"),
            ("addresses", "address"),
            ("sso", "sso"),
            ("2fa", "2fa"),
            ("exported", "export"),
            ("exports", "export"),
        ] {
            assert_eq!(stem(word), want, "stem({word:?})");
        }
    }

    #[test]
    fn adverbs_comparatives_and_ic_words_meet_their_adjective() {
        for group in [
            &["automatic", "automatically", "automatical"][..],
            &["critical", "critically", "critic"],
            &["specific", "specifically"],
            &["manual", "manually"],
            &["usual", "usually", "usual"],
            &["successful", "successfully"],
            &["probable", "probably"],
            &["possible", "possibly"],
            &["immediate", "immediately"],
            &["safe", "safely", "safer", "safest"],
            &["slow", "slowly", "slower", "slowest", "slows"],
            &["month", "monthly", "months"],
            &["week", "weekly", "weeks"],
            &["night", "nightly"],
            &["repeat", "repeatedly", "repeated"],
            &["accord", "accordingly", "according"],
            &["serious", "seriously"],
            &["old", "older", "oldest"],
            &["new", "newer", "newest"],
            &["easy", "easier", "easiest"],
            &["early", "earlier", "earliest"],
            &["busy", "busier", "busiest"],
            &["big", "bigger", "biggest"],
            &["thin", "thinner", "thinnest"],
            &["hot", "hotter", "hottest"],
            &["large", "larger", "largest"],
            &["simple", "simpler", "simplest"],
            &["wide", "wider", "widest"],
            &["high", "higher", "highest"],
            &["long", "longer", "longest"],
            &["few", "fewer", "fewest"],
        ] {
            let stems: Vec<String> = group.iter().map(|w| stem(w)).collect();
            assert!(
                stems.iter().all(|s| *s == stems[0]),
                "{group:?} -> {stems:?}"
            );
        }
    }

    #[test]
    fn words_that_only_look_like_adverbs_or_comparatives_keep_their_stem() {
        // (word, stem): the new rules must not touch these.
        for (word, want) in [
            // -er nouns and verbs are not comparatives.
            ("user", "user"),
            ("users", "user"),
            ("order", "order"),
            ("server", "server"),
            ("customer", "customer"),
            ("number", "number"),
            ("member", "member"),
            ("folder", "folder"),
            ("owner", "owner"),
            ("trigger", "trigger"),
            ("filter", "filter"),
            ("answer", "answer"),
            ("power", "power"),
            ("header", "header"),
            ("sender", "sender"),
            ("winner", "winner"),
            ("holder", "holder"),
            ("flower", "flower"),
            ("timer", "timer"),
            // -est words that are not superlatives.
            ("request", "request"),
            ("suggest", "suggest"),
            ("digest", "digest"),
            ("interest", "interest"),
            ("honest", "honest"),
            ("test", "test"),
            // Deliberately left out of the comparative list.
            ("later", "later"),
            ("latest", "latest"),
            ("closer", "closer"),
            ("closest", "closest"),
            ("finer", "finer"),
            ("better", "better"),
            ("best", "best"),
            // -ly nouns and verbs, and words too short to strip.
            ("apply", "appli"),
            ("reply", "repli"),
            ("replies", "repli"),
            ("supply", "suppli"),
            ("family", "famili"),
            ("families", "famili"),
            ("daily", "daili"),
            ("assembly", "assembli"),
            ("assemblies", "assembli"),
            ("anomaly", "anomali"),
            ("butterfly", "butterfli"),
            ("belly", "belli"),
            ("early", "earli"),
            ("only", "onli"),
            ("rely", "reli"),
            ("rally", "ralli"),
            ("ally", "alli"),
            ("fully", "fulli"),
            ("newly", "newli"),
            ("truly", "truli"),
            // Degree and time adverbs keep their own stem.
            ("hardly", "hardli"),
            ("highly", "highli"),
            ("really", "realli"),
            ("totally", "totalli"),
            ("completely", "completeli"),
            ("quickly", "quickli"),
            ("lately", "lateli"),
            ("nearly", "nearli"),
            ("terribly", "terribli"),
            ("awfully", "awfulli"),
        ] {
            assert_eq!(stem(word), want, "stem({word:?})");
        }
        for (a, b) in [
            ("hardly", "hard"),
            ("highly", "high"),
            ("really", "real"),
            ("quickly", "quick"),
            ("lately", "late"),
            ("later", "late"),
            ("closer", "closed"),
            ("user", "us"),
            ("order", "ord"),
            ("number", "numb"),
            ("customer", "custom"),
        ] {
            assert_ne!(stem(a), stem(b), "{a} and {b} must not meet");
        }
    }

    #[test]
    fn stemmer_word_lists_are_sorted_for_binary_search() {
        for list in [GRADABLE_ADJECTIVES, KEPT_ADVERBS] {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted, list);
        }
        assert_eq!(
            GRADABLE_ADJECTIVES.iter().map(|a| a.len()).max(),
            Some(MAX_GRADABLE_LEN)
        );
        assert!(GRADABLE_PACKED.is_sorted());
        for (word, packed) in GRADABLE_ADJECTIVES.iter().zip(GRADABLE_PACKED) {
            assert_eq!(gradable(word, ""), Some(*word));
            let bytes: Vec<u8> = packed
                .to_be_bytes()
                .into_iter()
                .filter(|b| *b != 0)
                .collect();
            assert_eq!(bytes, word.as_bytes());
        }
        assert_eq!(gradable("eas", "y"), Some("easy"));
        assert_eq!(gradable("simpl", "e"), Some("simple"));
        assert_eq!(gradable("simple", "e"), None);
        assert_eq!(gradable("us", ""), None);
    }

    #[test]
    fn words_split_on_unicode_boundaries() {
        let a = Analyzer::default();
        for (text, want) in [
            ("I can't log in!", vec!["cant", "log", "login"]),
            ("Set up sign-in", vec!["set", "setup", "sign", "signin"]),
            (
                "Réinitialiser le mot de passe",
                vec!["reinitialiser", "le", "mot", "de", "pass"],
            ),
            (
                "パスワードをリセット",
                vec![
                    "パス", "スワ", "ワー", "ード", "ドを", "をリ", "リセ", "セッ", "ット",
                ],
            ),
            ("SSO与SAML配置", vec!["sso", "与", "saml", "配置"]),
            ("", vec![]),
            ("!!! ---", vec![]),
            // Decomposed accents stay in the word (UAX #29) and are folded.
            ("Cafe\u{301} menu", vec!["cafe", "menu"]),
            // Inner `.`, `,`, `_`, `:` split; hex codes and versions keep their digits.
            (
                "Error 0x80070005 in v2.3 of example.com: snake_case 1,000",
                vec![
                    "error",
                    "0x80070005",
                    "v2",
                    "3",
                    "exampl",
                    "com",
                    "snak",
                    "case",
                    "1",
                    "000",
                ],
            ),
        ] {
            assert_eq!(a.terms(text), want, "terms({text:?})");
        }
    }

    #[test]
    fn long_tokens_are_cut_on_a_char_boundary() {
        let word = "é".repeat(100);
        let terms = Analyzer::raw().terms(&word);
        assert_eq!(terms.len(), 1);
        assert!(terms[0].len() <= MAX_TOKEN_BYTES);
    }
}
