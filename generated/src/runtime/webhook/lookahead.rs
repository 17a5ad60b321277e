//! Finding `event` when it comes after `data`, so that [`Webhook::from_slice`](super::Webhook)
//! can read `data` straight into its payload type anyway.
//!
//! The envelope keys that come after `data` are few and short (`event`, `timestamp`,
//! `version`, `isTest`), while `data` is most of the body. So rather than skip `data` forwards,
//! [`event_after_data`] reads the top-level members backwards from the end of the body, and
//! stops at `event`. It builds nothing and checks little: a wrong answer only costs time,
//! because the caller compares it with the `event` that serde reads and, on any difference or
//! error, parses the body again without it.

/// The value of the top-level `event` of `body`, when `event` comes after `data`; `None` when
/// it is not there, when `data` is reached first, or when anything is unexpected: the body does
/// not end with an object, a top-level key or string has an escape (an escaped key might be
/// `event` or `data`; an escaped event type is left to serde to decode), the text does not look
/// like JSON.
pub(super) fn event_after_data(body: &str) -> Option<&str> {
    let mut back = Backwards { text: body, end: body.len() };
    back.eat(b'}')?;
    loop {
        let value = back.value()?;
        back.eat(b':')?;
        match back.plain_string()? {
            "event" => return value,
            "data" => return None,
            _ => {}
        }
        // Another member before this one, or the start of the body's object.
        back.eat(b',')?;
    }
}

/// A cursor that reads JSON from the end towards the start.
struct Backwards<'b> {
    text: &'b str,
    /// Everything from here on has been read.
    end: usize,
}

impl<'b> Backwards<'b> {
    /// The bytes before the cursor.
    fn before(&self) -> Option<&'b [u8]> {
        self.text.as_bytes().get(..self.end)
    }

    /// The byte before the cursor, after skipping whitespace.
    fn peek(&mut self) -> Option<u8> {
        let before = self.before()?;
        let at = before.iter().rposition(|&byte| !matches!(byte, b' ' | b'\t' | b'\n' | b'\r'))?;
        self.end = at + 1;
        before.get(at).copied()
    }

    /// Reads `byte`, after whitespace.
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.end -= 1)
    }

    /// Reads a string without escapes, after whitespace, and gives its text between the quotes.
    fn plain_string(&mut self) -> Option<&'b str> {
        self.eat(b'"')?;
        let close = self.end;
        let before = self.before()?;
        // Without escapes, the nearest quote or backslash is the opening quote, and no backslash
        // escapes it.
        let open = memchr::memrchr2(b'"', b'\\', before)?;
        let escaped = open.checked_sub(1).and_then(|at| before.get(at)) == Some(&b'\\');
        if before.get(open)? != &b'"' || escaped {
            return None;
        }
        self.end = open;
        self.text.get(open + 1..close)
    }

    /// Finds the quote that opens the string whose closing quote was just read, and reads up to
    /// it: the nearest quote before the cursor that is not escaped, that is, one not preceded
    /// by an odd number of backslashes (a backslash cannot appear outside a string).
    fn opening_quote(&mut self) -> Option<usize> {
        loop {
            let before = self.before()?;
            let quote = memchr::memrchr(b'"', before)?;
            let backslashes =
                before.get(..quote)?.iter().rev().take_while(|&&byte| byte == b'\\').count();
            self.end = quote;
            if backslashes % 2 == 0 {
                return Some(quote);
            }
        }
    }

    /// Reads a value, after whitespace, and gives its text if it is a string: a string without
    /// escapes, an object or array (with whatever it holds), or a number, `true`, `false` or
    /// `null`. `None` when it is none of these.
    fn value(&mut self) -> Option<Option<&'b str>> {
        match self.peek()? {
            b'"' => self.plain_string().map(Some),
            b'}' | b']' => self.nested().map(|()| None),
            _ => {
                let before = self.before()?;
                let start = before
                    .iter()
                    .rposition(|&byte| {
                        !matches!(byte, b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'+' | b'-' | b'.')
                    })
                    .map_or(0, |at| at + 1);
                (start < self.end).then(|| self.end = start).map(|()| None)
            }
        }
    }

    /// Reads an object or array that ends at the cursor, skipping the strings in it.
    fn nested(&mut self) -> Option<()> {
        let mut depth = 0_usize;
        loop {
            let at = self.end.checked_sub(1)?;
            match self.text.as_bytes().get(at)? {
                b'"' => {
                    self.end = at;
                    self.opening_quote()?;
                    continue;
                }
                b'}' | b']' => depth += 1,
                b'{' | b'[' => depth = depth.checked_sub(1)?,
                _ => {}
            }
            self.end = at;
            if depth == 0 {
                return Some(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::event_after_data as hint;

    #[test]
    fn finds_event_after_data() {
        let body = r#"{"data":{"id":1},"timestamp":1,"version":"v1","event":"payment.completed","isTest":false}"#;
        assert_eq!(hint(body), Some("payment.completed"));
        assert_eq!(hint(r#"{"data":{},"event":"a.b"}"#), Some("a.b"));
        assert_eq!(hint(" {\n \"data\" : [] ,\r\n\t\"event\" :\"a.b\" \n}\n "), Some("a.b"));
        assert_eq!(hint(r#"{"data":{},"event":""}"#), Some(""));
        assert_eq!(hint(r#"{"data":{},"event":"결제.완료"}"#), Some("결제.완료"));
    }

    #[test]
    fn skips_the_values_of_other_members() {
        let body = r#"{"data":{},"event":"a.b","n":-1.5e+3,"t":true,"f":false,"z":null,"s":"x"}"#;
        assert_eq!(hint(body), Some("a.b"));
        // Nested values, with brackets, braces, quotes and backslashes in their strings.
        let body =
            r#"{"data":{},"event":"a.b","o":{"k":["}","\"{",{"x":"\\"}],"e":{}},"a":[[],"]"]}"#;
        assert_eq!(hint(body), Some("a.b"));
        // `event` as a nested key, or inside a string, after the real one.
        let body = r#"{"data":{},"event":"a.b","m":{"event":"c.d"},"s":["\",\"event\":\"e.f"]}"#;
        assert_eq!(hint(body), Some("a.b"));
    }

    #[test]
    fn nested_strings_end_at_the_first_quote_not_escaped() {
        // Escaped quotes and backslashes in every combination, and a key that would be `event`.
        for string in [r#"x\"y\\"#, r#"\\\""#, r#"\\\\"#, r#"\""#, r#"\\"#, r#"\"event\":\"c.d"#] {
            let body = format!(r#"{{"data":{{}},"event":"a.b","o":{{"{string}":["{string}"]}}}}"#);
            assert!(serde_json::from_str::<serde_json::Value>(&body).is_ok(), "{body}");
            assert_eq!(hint(&body), Some("a.b"), "{body}");
        }
    }

    #[test]
    fn gives_up_rather_than_guess() {
        // `data` or the start of the body comes first: nothing after `data` to find.
        assert_eq!(hint(r#"{"event":"a.b","data":{}}"#), None);
        assert_eq!(hint(r#"{"timestamp":1,"version":"v1"}"#), None);
        assert_eq!(hint(r#"{}"#), None);
        // An escape in a top-level key or string, or an event that is not a string.
        assert_eq!(hint(r#"{"data":{},"event":"a\u002eb"}"#), None);
        assert_eq!(hint(r#"{"data":{},"ev\u0065nt":"a.b"}"#), None);
        assert_eq!(hint(r#"{"data":{},"event":"a.b","\u0065vent":"c.d"}"#), None);
        assert_eq!(hint(r#"{"data":{},"event":"a.b","\"event\"":1}"#), None);
        assert_eq!(hint(r#"{"data":{},"event":"a.b","\"event":"c.d"}"#), None);
        assert_eq!(hint(r#"{"data":{},"event":"a.b","x":"\"event"}"#), None);
        assert_eq!(hint(r#"{"data":{},"event":"a.b","s":"\\"}"#), None);
        assert_eq!(hint(r#"{"data":{},"event":1}"#), None);
        assert_eq!(hint(r#"{"data":{},"event":null}"#), None);
        assert_eq!(hint(r#"{"data":{},"event":["a.b"]}"#), None);
        // Not an object, cut short, or not JSON.
        for body in [
            "",
            " ",
            "}",
            r#"["data","event","a.b"]"#,
            r#"{"data":{},"event":"a.b""#,
            r#"{"data":{},"event":"a.b"} x"#,
            r#"{"data":{},"event""a.b"}"#,
            r#"{"data":{},"event":}"#,
            r#"{"data":{},"event":"a.b",}"#,
            r#"{"data":{},"event":"a.b" "x":1}"#,
            r#"{"data":{},"x":{"a":1]]]],"event":"a.b","y":{"a":1]]]]}"#,
        ] {
            assert_eq!(hint(body), None, "{body}");
        }
    }

    #[test]
    fn never_panics_on_text_that_is_not_json() {
        // What it answers for these does not matter (serde rejects them); that it answers does.
        for body in [
            r#""event":"a.b"}"#,
            r#"event":"a.b"}"#,
            r#"{"data":{},"x":"a"b","event":"a.b"}"#,
            r#"{"data":{},"x":{"a":1}},"event":"a.b"}"#,
            r#"\\"}"#,
            r#"""""}"#,
            r#":"}"#,
            r#"]}"#,
            r#"}}"#,
            r#""}"}"#,
            r#"{"data":{},"x":""#,
            "\"é\":\"é\"}",
        ] {
            let _ = hint(body);
        }
    }
}
