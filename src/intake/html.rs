//! A small HTML-to-text converter for email bodies: no DOM, one pass, never
//! panics. Drops `script`, `style`, `head` and comments; block elements become
//! line breaks; `<blockquote>` content is prefixed with `> ` so the reply cutter
//! sees it as quoted; links are kept as `text (url)`; entities are decoded.

/// Converts an HTML email body to plain text.
///
/// - `script`, `style`, `head`, `title` and comments are dropped;
/// - block elements (`p`, `div`, `br`, `li`, `tr`, headings, ...) become line
///   breaks, `li` items start with `- `, paragraphs are separated by one blank
///   line at most;
/// - `<a href="url">text</a>` becomes `text (url)`, or just `text` when the
///   text is the url (or the `mailto:` address);
/// - `<img alt="x">` becomes its alt text;
/// - named and numeric entities are decoded (`&amp;`, `&eacute;`, `&#8364;`,
///   `&#x1F600;`); unknown ones are kept as written;
/// - whitespace runs collapse to one space, except inside `<pre>`.
///
/// ```
/// use hotcrm_support::intake::html_to_text;
/// let html = r#"<html><head><style>p{color:red}</style></head><body>
/// <p>Hello&nbsp;<b>Ann</b> &amp; team,</p><p>see <a href="https://x.example/kb/1">the guide</a>.</p>
/// <script>alert(1)</script><blockquote>old text</blockquote></body></html>"#;
/// assert_eq!(html_to_text(html), "Hello Ann & team,\n\nsee the guide (https://x.example/kb/1).\n\n> old text");
/// ```
pub fn html_to_text(html: &str) -> String {
    let mut w = Writer::default();
    let mut rest = html;
    // Skipping the content of script/style/head: the closing tag name.
    let mut skip_until: Option<&'static str> = None;
    let mut links: Vec<(Option<String>, usize)> = Vec::new();
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skip_until.is_none() {
                w.text(rest);
            }
            break;
        };
        if skip_until.is_none() {
            w.text(rest.get(..lt).unwrap_or(""));
        }
        rest = rest.get(lt..).unwrap_or("");
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after
                .find("-->")
                .map_or("", |e| after.get(e + 3..).unwrap_or(""));
            continue;
        }
        let Some(gt) = tag_end(rest) else {
            // A lone '<' that does not open a tag is text.
            if skip_until.is_none() {
                w.text("<");
            }
            rest = rest.get(1..).unwrap_or("");
            continue;
        };
        let tag = rest.get(1..gt).unwrap_or("");
        rest = rest.get(gt + 1..).unwrap_or("");
        let closing = tag.starts_with('/');
        let body = tag.trim_start_matches('/');
        let name: String = body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        if name.is_empty() {
            continue;
        }
        if let Some(end) = skip_until {
            if closing && name == end {
                skip_until = None;
            }
            continue;
        }
        match name.as_str() {
            "script" | "style" | "head" | "title" | "template"
                if !closing && !body.trim_end().ends_with('/') =>
            {
                skip_until = Some(match name.as_str() {
                    "script" => "script",
                    "style" => "style",
                    "head" => "head",
                    "title" => "title",
                    _ => "template",
                });
            }
            "br" => w.newline(1),
            "p" | "div" | "table" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
            | "hr" | "section" | "article" | "header" | "footer" | "dl" => w.newline(2),
            "tr" | "dt" | "dd" | "center" | "address" | "form" => w.newline(1),
            "li" if !closing => {
                w.newline(1);
                w.text_raw("- ");
            }
            "td" | "th" if !closing => w.space(),
            "pre" => {
                w.newline(2);
                w.pre = !closing;
            }
            "blockquote" => {
                w.newline(2);
                if closing {
                    w.quote = w.quote.saturating_sub(1);
                } else {
                    w.quote = w.quote.saturating_add(1).min(16);
                }
            }
            "a" if !closing => {
                links.push((attribute(body, "href"), w.out.len()));
            }
            "a" => {
                if let Some((Some(href), start)) = links.pop() {
                    let text = w.out.get(start..).unwrap_or("").trim().to_string();
                    let href = href.trim();
                    let bare = href.strip_prefix("mailto:").unwrap_or(href);
                    if !href.is_empty()
                        && !href.starts_with('#')
                        && !href.to_ascii_lowercase().starts_with("javascript:")
                        && text != href
                        && text != bare
                    {
                        if text.is_empty() {
                            w.text(bare);
                        } else {
                            w.text_raw(" (");
                            w.text_raw(bare);
                            w.text_raw(")");
                        }
                    }
                }
            }
            "img" => {
                if let Some(alt) = attribute(body, "alt") {
                    w.text(&alt);
                }
            }
            _ => {}
        }
    }
    w.finish()
}

/// The index of the `>` closing the tag that starts at `s[0] == '<'`, minding
/// quoted attribute values; `None` when `s` does not start a tag.
fn tag_end(s: &str) -> Option<usize> {
    let mut chars = s.char_indices().skip(1);
    let (_, first) = chars.next()?;
    if !(first.is_ascii_alphabetic() || first == '/' || first == '!' || first == '?') {
        return None;
    }
    let mut quote: Option<char> = None;
    for (i, c) in chars {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// The decoded value of attribute `name` in a tag body (`a href="x"`).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower.get(from..)?.find(name) {
        let start = from + pos;
        from = start + name.len();
        let before_ok = start == 0
            || lower
                .as_bytes()
                .get(start - 1)
                .is_some_and(|b| b.is_ascii_whitespace());
        let rest = tag.get(from..)?.trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        if !before_ok {
            continue;
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let inner = rest.get(1..)?;
                inner.get(..inner.find(q)?)?
            }
            _ => rest
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or(""),
        };
        return Some(decode_entities(value));
    }
    None
}

/// Decodes HTML character references; unknown ones stay as written.
///
/// ```
/// use hotcrm_support::intake::decode_entities;
/// assert_eq!(decode_entities("&lt;a&gt; &amp;&amp; caf&eacute; &#8364;5 &#x41; &bogus;"), "<a> && café €5 A &bogus;");
/// ```
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or(""));
        rest = rest.get(amp..).unwrap_or("");
        let end = rest
            .char_indices()
            .skip(1)
            .take(12)
            .find(|(_, c)| *c == ';' || !(c.is_ascii_alphanumeric() || *c == '#'))
            .filter(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|e| rest.get(1..e)).and_then(entity);
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = rest.get(e + 1..).unwrap_or("");
            }
            _ => {
                out.push('&');
                rest = rest.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "bull" => '•',
        "middot" => '·',
        "euro" => '€',
        "pound" => '£',
        "yen" => '¥',
        "cent" => '¢',
        "sect" => '§',
        "deg" => '°',
        "times" => '×',
        "shy" => '\u{ad}',
        "zwnj" => '\u{200c}',
        "zwj" => '\u{200d}',
        "agrave" => 'à',
        "aacute" => 'á',
        "acirc" => 'â',
        "auml" => 'ä',
        "aring" => 'å',
        "ccedil" => 'ç',
        "egrave" => 'è',
        "eacute" => 'é',
        "ecirc" => 'ê',
        "euml" => 'ë',
        "iacute" => 'í',
        "icirc" => 'î',
        "iuml" => 'ï',
        "ntilde" => 'ñ',
        "oacute" => 'ó',
        "ocirc" => 'ô',
        "ouml" => 'ö',
        "oslash" => 'ø',
        "ugrave" => 'ù',
        "uacute" => 'ú',
        "ucirc" => 'û',
        "uuml" => 'ü',
        "szlig" => 'ß',
        "Auml" => 'Ä',
        "Ouml" => 'Ö',
        "Uuml" => 'Ü',
        "Eacute" => 'É',
        _ => return None,
    })
}

/// Builds the text: collapses whitespace, limits blank lines, prefixes quotes.
#[derive(Default)]
struct Writer {
    out: String,
    pending_newlines: usize,
    pending_space: bool,
    pre: bool,
    quote: usize,
}

impl Writer {
    fn start_line(&mut self) {
        for _ in 0..self.quote {
            self.out.push_str("> ");
        }
    }

    fn flush(&mut self) {
        if self.out.is_empty() {
            self.pending_newlines = 0;
            self.pending_space = false;
            self.start_line();
            return;
        }
        if self.pending_newlines > 0 {
            while self.out.ends_with(' ') {
                self.out.pop();
            }
            for _ in 0..self.pending_newlines.min(2) {
                self.out.push('\n');
            }
            self.start_line();
            self.pending_newlines = 0;
            self.pending_space = false;
        } else if self.pending_space {
            if !self.out.ends_with([' ', '\n']) {
                self.out.push(' ');
            }
            self.pending_space = false;
        }
    }

    fn text(&mut self, raw: &str) {
        let decoded = decode_entities(raw);
        if self.pre {
            for (i, line) in decoded.split('\n').enumerate() {
                if i > 0 {
                    self.pending_newlines = 1;
                }
                if !line.is_empty() {
                    self.flush();
                    self.out.push_str(line.trim_end_matches('\r'));
                }
            }
            return;
        }
        for (i, word) in decoded
            .split(|c: char| c.is_whitespace() && c != '\u{a0}')
            .enumerate()
        {
            if i > 0 {
                self.pending_space = true;
            }
            if !word.is_empty() {
                self.flush();
                if word.contains('\u{a0}') {
                    self.out.push_str(&word.replace('\u{a0}', " "));
                } else {
                    self.out.push_str(word);
                }
            }
        }
    }

    fn text_raw(&mut self, s: &str) {
        self.flush();
        self.out.push_str(s);
    }

    fn space(&mut self) {
        self.pending_space = true;
    }

    fn newline(&mut self, n: usize) {
        if !self.out.is_empty() {
            self.pending_newlines = self.pending_newlines.max(n);
        }
    }

    fn finish(self) -> String {
        let lines: Vec<&str> = self.out.lines().map(str::trim_end).collect();
        let text = lines.join("\n");
        text.trim_matches('\n').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_table_of_cases() {
        for (name, html, want) in [
            ("plain", "hello", "hello"),
            ("br", "a<br>b<br/>c", "a\nb\nc"),
            ("list", "<ul><li>one</li><li>two</li></ul>", "- one\n- two"),
            (
                "link same text",
                r#"<a href="https://x.org">https://x.org</a>"#,
                "https://x.org",
            ),
            (
                "mailto",
                r#"<a href="mailto:a@x.org">a@x.org</a>"#,
                "a@x.org",
            ),
            (
                "empty link",
                r#"<a href="https://x.org"></a>"#,
                "https://x.org",
            ),
            ("single quotes", "<a href='u'>t</a>", "t (u)"),
            ("comment", "a<!-- <p>hidden</p> -->b", "ab"),
            ("unclosed comment", "a<!-- b", "a"),
            ("lone lt", "1 < 2 and 3>2", "1 < 2 and 3>2"),
            ("unclosed tag", "a <b", "a <b"),
            ("style unclosed", "a<style>b", "a"),
            (
                "entities",
                "&quot;x&quot; &#39;y&#39; &amp",
                "\"x\" 'y' &amp",
            ),
            ("pre", "<pre>a\n  b</pre>", "a\n  b"),
            (
                "nested quote",
                "<blockquote>a<blockquote>b</blockquote></blockquote>",
                "> a\n\n> > b",
            ),
            ("img alt", r#"<img src="x" alt="Logo">"#, "Logo"),
            ("upper case tags", "<P>A</P><P>B</P>", "A\n\nB"),
            (
                "attribute with gt",
                r#"<a title="a>b" href="u">t</a>"#,
                "t (u)",
            ),
            ("multibyte", "<p>日本語</p>é", "日本語\n\né"),
            ("huge entity number", "&#99999999999;", "&#99999999999;"),
        ] {
            assert_eq!(html_to_text(html), want, "{name}");
        }
    }
}
