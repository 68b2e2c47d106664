//! A tokenizer for the markup bank statements come in: XML (ISO 20022 CAMT.053, OFX 2.x) and
//! the SGML of OFX 1.x, whose leaf elements are never closed. It knows only what statements
//! use: elements (a namespace prefix dropped), attributes, text with the five predefined
//! entities and character references, CDATA; comments, processing instructions and a DOCTYPE
//! are skipped. No DTD is read and no entity is expanded beyond those, so a hostile file cannot
//! make it fetch or grow anything.

use std::borrow::Cow;

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// `<name attributes>`; a self-closing element gives `Open` then `Close`.
    Open(&'a str, &'a str),
    Close(&'a str),
    /// Text, decoded and trimmed; whitespace alone gives none.
    Text(Cow<'a, str>),
}

pub(crate) struct Tokens<'a> {
    s: &'a str,
    pos: usize,
    /// The `Close` owed to a self-closing element.
    pending_close: Option<&'a str>,
    /// Byte offsets where lines start, to name lines in errors.
    line_starts: Vec<usize>,
}

fn local(name: &str) -> &str {
    match name.bytes().rposition(|b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(s: &'a str) -> Tokens<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(s.match_indices('\n').map(|(i, _)| i + 1));
        Tokens { s, pos: 0, pending_close: None, line_starts }
    }

    /// The 1-based line of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> u64 {
        let line = self.line_starts.partition_point(|&start| start <= offset);
        u64::try_from(line).unwrap_or(u64::MAX)
    }

    /// The next token and the offset it starts at; an error (with its line) ends the stream.
    pub(crate) fn next_token(&mut self) -> Option<Result<(usize, Token<'a>), (u64, String)>> {
        if let Some(name) = self.pending_close.take() {
            return Some(Ok((self.pos, Token::Close(name))));
        }
        loop {
            let rest = self.s.get(self.pos..)?;
            if rest.is_empty() {
                return None;
            }
            let start = self.pos;
            if !rest.starts_with('<') {
                let end = rest.find('<').unwrap_or(rest.len());
                self.pos += end;
                let raw = rest[..end].trim();
                if raw.is_empty() {
                    continue;
                }
                return Some(decode(raw).map(|t| (start, Token::Text(t))).map_err(|e| (self.line_of(start), e)));
            }
            let skip = [("<!--", "-->"), ("<?", "?>"), ("<!DOCTYPE", ">"), ("<![CDATA[", "]]>")];
            if let Some((open, close)) = skip.iter().find(|(o, _)| rest.starts_with(o)) {
                let Some(end) = rest.find(close) else {
                    self.pos = self.s.len();
                    return Some(Err((self.line_of(start), format!("{open} is never closed with {close}"))));
                };
                self.pos += end + close.len();
                if *open == "<![CDATA[" {
                    let text = rest[open.len()..end].trim();
                    if !text.is_empty() {
                        return Some(Ok((start, Token::Text(Cow::Borrowed(text)))));
                    }
                }
                continue;
            }
            let Some(end) = rest.find('>') else {
                self.pos = self.s.len();
                return Some(Err((self.line_of(start), "a tag is never closed with >".into())));
            };
            self.pos += end + 1;
            let inner = &rest[1..end];
            if let Some(name) = inner.strip_prefix('/') {
                return Some(Ok((start, Token::Close(local(name.trim())))));
            }
            let (inner, closed) = match inner.strip_suffix('/') {
                Some(i) => (i, true),
                None => (inner, false),
            };
            let (name, attributes) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
            if name.is_empty() {
                return Some(Err((self.line_of(start), "an element without a name".into())));
            }
            if closed {
                self.pending_close = Some(local(name));
            }
            return Some(Ok((start, Token::Open(local(name), attributes))));
        }
    }
}

/// The value of attribute `name` in an element's attribute text.
pub(crate) fn attribute<'a>(attributes: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = attributes;
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim();
        let after = rest[eq + 1..].trim_start();
        let quote = after.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let value_end = after[1..].find(quote)? + 1;
        if local(key) == name {
            return Some(&after[1..value_end]);
        }
        rest = &after[value_end + 1..];
    }
    None
}

/// Text with `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#NN;` and `&#xNN;` resolved. A bare
/// `&` (OFX 1.x banks write `AT&T`) is kept; an unknown entity is an error: guessing could
/// change a name.
fn decode(raw: &str) -> Result<Cow<'_, str>, String> {
    if !raw.contains('&') {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let name_end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).unwrap_or(after.len());
        if after.as_bytes().get(name_end) != Some(&b';') || name_end == 0 {
            out.push('&');
            rest = after;
            continue;
        }
        let semi = name_end;
        let entity = &after[..semi];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()
                } else {
                    entity.strip_prefix('#').and_then(|d| d.parse().ok())
                };
                code.and_then(char::from_u32).ok_or_else(|| format!("unknown entity &{entity};"))?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// Statement text as UTF-8: as it is when it is valid, else read as Windows-1252 (the charset
/// older OFX files and many bank exports declare), so a name with an accent is kept.
pub(crate) fn utf8_or_cp1252(data: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(data) {
        return Cow::Borrowed(s);
    }
    // 0x80–0x9F differ from Latin-1; the rest are the same code points.
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    Cow::Owned(
        data.iter()
            .map(|&b| match b {
                0x80..=0x9f => HIGH[usize::from(b - 0x80)],
                _ => char::from(b),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(s: &str) -> Vec<Token<'_>> {
        let mut t = Tokens::new(s);
        std::iter::from_fn(|| t.next_token()).map(|r| r.map(|(_, t)| t).unwrap_or(Token::Text("ERR".into()))).collect()
    }

    #[test]
    fn elements_text_entities_and_prefixes() {
        let tokens =
            all("<?xml version=\"1.0\"?><!-- c --><x:Amt Ccy=\"EUR\">1&amp;2 &#x41;</x:Amt><Empty/><![CDATA[a<b]]>");
        assert_eq!(
            tokens,
            [
                Token::Open("Amt", "Ccy=\"EUR\""),
                Token::Text("1&2 A".into()),
                Token::Close("Amt"),
                Token::Open("Empty", ""),
                Token::Close("Empty"),
                Token::Text("a<b".into()),
            ]
        );
        assert_eq!(attribute("a='1' Ccy=\"EUR\"", "Ccy"), Some("EUR"));
        assert_eq!(attribute("Ccy=EUR", "Ccy"), None);
    }

    #[test]
    fn errors_name_their_line_and_unknown_entities_are_refused() {
        let mut t = Tokens::new("<a>\n<b>x &nbsp; y</b>");
        let errors: Vec<_> = std::iter::from_fn(|| t.next_token()).filter_map(Result::err).collect();
        assert_eq!(errors, [(2, "unknown entity &nbsp;".to_owned())]);
        let mut t = Tokens::new("<a>\n\n<b");
        assert_eq!(std::iter::from_fn(|| t.next_token()).filter_map(Result::err).next().map(|e| e.0), Some(3));
    }

    #[test]
    fn cp1252_is_read_when_the_bytes_are_not_utf8() {
        assert_eq!(utf8_or_cp1252(b"M\xfcller \x80"), "Müller €");
        assert_eq!(utf8_or_cp1252("Müller".as_bytes()), "Müller");
    }
}
