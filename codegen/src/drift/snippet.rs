//! The YAML a finding offers, and the first English names for what only the page has.

use crate::pages::PageField;

/// A field entry for `schema/types/*.yaml`, from a page row.
pub(super) fn field_snippet(field: &PageField, ty: &str) -> String {
    let mut out = format!("- name: {}\n  type: {ty}\n", field.name);
    if field.nullable {
        out.push_str("  nullable: true\n");
    }
    let ko =
        if field.description.is_empty() { field.name.clone() } else { field.description.clone() };
    out.push_str(&format!(
        "  description: {{ ko: {}, en: {} }}\n",
        yaml_text(&ko),
        yaml_text(&humanize(&field.name))
    ));
    out
}

/// A snippet that deletes an entry, with what that means.
pub(super) fn removal(advice: &str, entry: &str) -> String {
    format!("# {advice}:\n{entry}\n")
}

/// `order.refunded` → `Order refunded`; `refundId` → `Refund id`; `VOLUME_BASED` →
/// `Volume based`: a first English name for something only the page has.
pub(super) fn humanize(key: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let all_upper = !key.chars().any(|c| c.is_ascii_lowercase());
    for c in key.chars() {
        if c == '.' || c == '_' || c == ' ' {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        } else if c.is_ascii_uppercase() && !all_upper && !word.is_empty() {
            words.push(std::mem::take(&mut word));
            word.push(c);
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let sentence = words.iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join(" ");
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => sentence,
    }
}

/// Text as a YAML scalar inside a flow mapping (`{ ko: …, en: … }`) or after `key: `: quoted
/// when a plain scalar would be read otherwise.
pub(super) fn yaml_text(text: &str) -> String {
    let special = text.is_empty()
        || text.trim() != text
        || text.contains([
            ',', ':', '#', '[', ']', '{', '}', '"', '\'', '&', '*', '!', '|', '>', '%', '@', '`',
        ])
        || text.starts_with(['-', '?']);
    if special {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_english_names_from_keys() {
        assert_eq!(humanize("order.refunded"), "Order refunded");
        assert_eq!(humanize("refundId"), "Refund id");
        assert_eq!(humanize("VOLUME_BASED"), "Volume based");
        assert_eq!(humanize("product.price.created"), "Product price created");
    }

    #[test]
    fn quotes_yaml_text_only_when_needed() {
        assert_eq!(yaml_text("주문 환불"), "주문 환불");
        assert_eq!(yaml_text("기타 요금(도입비, 기본료 등)"), "\"기타 요금(도입비, 기본료 등)\"");
        assert_eq!(yaml_text("a: \"b\""), "\"a: \\\"b\\\"\"");
    }
}
