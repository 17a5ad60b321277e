//! StepPay's names → Rust identifiers.
//!
//! The conversions mirror serde's `rename_all = "camelCase"` so that the emitter can leave out a
//! `rename` wherever serde would arrive at the JSON name by itself.

/// Words Rust reserves in edition 2024 (strict, reserved and weak keywords that cannot name a
/// field or variant).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers either.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super"];

/// Splits `text` into words at `_`, `.`, `-`, spaces and lower→upper case changes; a run of
/// capitals followed by a lowercase letter ends one letter early (`HTTPServer` → `HTTP`,
/// `Server`).
fn words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let boundary = match (current.chars().last(), chars.get(i + 1)) {
            (Some(prev), next) if c.is_uppercase() => {
                prev.is_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            }
            _ => false,
        };
        if boundary {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `PENDING_PAUSE` → `PendingPause`, `order.created` → `OrderCreated`, `NICE_V2` → `NiceV2`.
pub(crate) fn pascal_case(text: &str) -> String {
    words(text)
        .iter()
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect()
            })
        })
        .collect()
}

/// `paymentId` → `payment_id`, `subscription.usage.added` → `subscription_usage_added`.
pub(crate) fn snake_case(text: &str) -> String {
    words(text).iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join("_")
}

/// serde's `rename_all = "camelCase"` applied to a snake_case field name.
pub(crate) fn serde_camel_case(field: &str) -> String {
    let field = field.strip_prefix("r#").unwrap_or(field);
    let mut pascal = String::new();
    let mut capitalize = true;
    for c in field.chars() {
        if c == '_' {
            capitalize = true;
        } else if capitalize {
            pascal.extend(c.to_uppercase());
            capitalize = false;
        } else {
            pascal.push(c);
        }
    }
    match pascal.chars().next() {
        Some(first) => first.to_lowercase().chain(pascal.chars().skip(1)).collect(),
        None => pascal,
    }
}

/// Makes `name` usable as a Rust name: a keyword becomes a raw identifier (`type` → `r#type`), or
/// gets a trailing underscore where Rust allows no raw form (`self_`, `Self_`).
pub(crate) fn escape_keyword(name: String) -> String {
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// Whether `name` is a Rust keyword (`type`, `Self`, …).
pub(crate) fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Whether `name` is a keyword that has no raw form either (`self`, `super`, `crate`, `Self`).
pub(crate) fn is_unraw_keyword(name: &str) -> bool {
    NOT_RAW.contains(&name)
}

/// Whether `name` is a valid (non-raw) Rust identifier that is not a keyword.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&name)
        && name != "_"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_steppay_names() {
        assert_eq!(pascal_case("PENDING_PAUSE"), "PendingPause");
        assert_eq!(pascal_case("NICE_V2"), "NiceV2");
        assert_eq!(pascal_case("KB"), "Kb");
        assert_eq!(pascal_case("subscription.usage.added"), "SubscriptionUsageAdded");
        assert_eq!(pascal_case("cover.sent_message"), "CoverSentMessage");
        assert_eq!(snake_case("paymentId"), "payment_id");
        assert_eq!(snake_case("vBank"), "v_bank");
        assert_eq!(snake_case("address1"), "address1");
        assert_eq!(snake_case("featuredImageURL"), "featured_image_url");
        assert_eq!(snake_case("product.price.deleted"), "product_price_deleted");
    }

    #[test]
    fn camel_case_matches_serde() {
        for json in ["paymentId", "vBank", "address1", "isTest", "selectedProductOptionIds"] {
            assert_eq!(serde_camel_case(&snake_case(json)), json);
        }
        assert_eq!(serde_camel_case("r#type"), "type");
        // The emitter must add `rename` here: serde would spell it `featuredImageUrl`.
        assert_eq!(serde_camel_case(&snake_case("featuredImageURL")), "featuredImageUrl");
    }

    #[test]
    fn escapes_keywords() {
        assert_eq!(escape_keyword("type".into()), "r#type");
        assert_eq!(escape_keyword("self".into()), "self_");
        assert_eq!(escape_keyword(pascal_case("SELF")), "Self_");
        assert_eq!(escape_keyword("amount".into()), "amount");
    }
}
