//! A streaming walk over an XML report with quick-xml: elements arrive one at a time, so
//! reports of hundreds of megabytes are never held in memory as a tree.

use std::borrow::Cow;
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::XmlVersion;

use super::formats::ParseError;

/// One step of the walk.
pub enum Tag<'e> {
    /// An element opens (an empty element opens and then closes).
    Open(&'e BytesStart<'e>),
    /// An element closes.
    Close(&'e [u8]),
    /// Text inside an element.
    Text(Cow<'e, str>),
    /// A comment (tools sign their reports there).
    Comment(Cow<'e, str>),
}

fn error_at(byte: u64, message: impl Into<String>) -> ParseError {
    ParseError {
        line: None,
        byte: Some(byte),
        message: message.into(),
    }
}

/// Walks the document, calling `on` for every element, text and comment; fails on malformed or
/// truncated XML with the byte offset of the problem.
pub fn walk(
    reader: &mut dyn BufRead,
    mut on: impl FnMut(Tag<'_>) -> Result<(), ParseError>,
) -> Result<(), ParseError> {
    let mut xml = quick_xml::Reader::from_reader(reader);
    xml.config_mut().check_end_names = true;
    let mut buf = Vec::with_capacity(1024);
    let mut depth: usize = 0;
    let mut seen_root = false;
    loop {
        buf.clear();
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| error_at(xml.error_position(), format!("malformed XML: {e}")))?;
        let at = xml.buffer_position();
        let wrap = |e: ParseError| ParseError {
            byte: e.byte.or(Some(at)),
            ..e
        };
        match event {
            Event::Start(e) => {
                depth += 1;
                seen_root = true;
                on(Tag::Open(&e)).map_err(wrap)?;
            }
            Event::Empty(e) => {
                seen_root = true;
                on(Tag::Open(&e)).map_err(wrap)?;
                on(Tag::Close(e.name().as_ref())).map_err(wrap)?;
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                on(Tag::Close(e.name().as_ref())).map_err(wrap)?;
            }
            // Indentation between elements: by far the most common text, and never data.
            Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
            Event::Text(t) if depth > 0 => {
                let text = t
                    .decode()
                    .map_err(|e| error_at(at, format!("text is not UTF-8: {e}")))?;
                on(Tag::Text(text)).map_err(wrap)?;
            }
            Event::Comment(c) => {
                on(Tag::Comment(
                    String::from_utf8_lossy(&c).into_owned().into(),
                ))
                .map_err(wrap)?;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_root {
        return Err(error_at(
            xml.buffer_position(),
            "an XML document without elements",
        ));
    }
    if depth > 0 {
        return Err(error_at(
            xml.buffer_position(),
            format!("truncated: the document ends with {depth} element(s) still open"),
        ));
    }
    Ok(())
}

/// The raw value of attribute `key`, if present.
pub fn raw<'a>(e: &'a BytesStart<'a>, key: &[u8]) -> Option<Cow<'a, [u8]>> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value)
}

/// The text value of attribute `key` (entities resolved), if present.
pub fn text(e: &BytesStart<'_>, key: &[u8]) -> Result<Option<String>, ParseError> {
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|err| ParseError::new(format!("malformed attribute: {err}")))?;
        if a.key.as_ref() == key {
            let v = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| ParseError::new(format!("malformed attribute value: {err}")))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

/// A required unsigned attribute of element `elem`.
pub fn number(e: &BytesStart<'_>, key: &[u8], elem: &str) -> Result<u64, ParseError> {
    match opt_number(e, key, elem)? {
        Some(n) => Ok(n),
        None => Err(ParseError::new(format!(
            "<{elem}> without the {} attribute",
            String::from_utf8_lossy(key)
        ))),
    }
}

/// The raw values of several attributes in one pass over the element (the hot path of large
/// reports: one `<line>` element per source line).
pub fn pick<'a, const N: usize>(
    e: &'a BytesStart<'a>,
    keys: [&[u8]; N],
) -> [Option<Cow<'a, [u8]>>; N] {
    let mut out: [Option<Cow<'a, [u8]>>; N] = std::array::from_fn(|_| None);
    for a in e.attributes().with_checks(false).flatten() {
        if let Some(i) = keys.iter().position(|k| *k == a.key.as_ref()) {
            out[i] = Some(a.value);
        }
    }
    out
}

/// An optional unsigned attribute; negative or fractional counts (some tools write `hits="-1"`
/// or `1.0`) are read as their non-negative integer part.
pub fn opt_number(e: &BytesStart<'_>, key: &[u8], elem: &str) -> Result<Option<u64>, ParseError> {
    match raw(e, key) {
        Some(v) => parse_number(&v, key, elem).map(Some),
        None => Ok(None),
    }
}

/// A count from a raw attribute value (see [`opt_number`]).
pub fn parse_number(v: &[u8], key: &[u8], elem: &str) -> Result<u64, ParseError> {
    let v = v.trim_ascii();
    if let Some(n) = super::lcov::parse_u64(v) {
        return Ok(n);
    }
    let parsed = std::str::from_utf8(v)
        .ok()
        .and_then(|s| s.parse::<f64>().ok());
    match parsed {
        Some(f) if f.is_finite() => Ok(if f < 0.0 { 0 } else { f as u64 }),
        _ => Err(ParseError::new(format!(
            "<{elem} {}=\"{}\"> is not a number",
            String::from_utf8_lossy(key),
            String::from_utf8_lossy(v)
        ))),
    }
}

/// A line number attribute (must fit 32 bits).
pub fn line_number(e: &BytesStart<'_>, key: &[u8], elem: &str) -> Result<u32, ParseError> {
    let n = number(e, key, elem)?;
    u32::try_from(n).map_err(|_| ParseError::new(format!("<{elem}> line {n} is out of range")))
}
