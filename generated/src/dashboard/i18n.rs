//! The page's two languages: Korean first (StepPay's operators are in Korea), English for the
//! rest, chosen by the request's `Accept-Language`.

use crate::store::{AttemptOutcome, StartedBy, State};

/// A language of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    Ko,
    En,
}

impl Lang {
    /// The language `Accept-Language` prefers among Korean and English (by its `q` values,
    /// then by order); Korean when it names neither, or is absent.
    pub(super) fn from_accept_language(header: Option<&str>) -> Self {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.unwrap_or_default().split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("ko") => Lang::Ko,
                Some("en") => Lang::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Ko, |(_, lang)| lang)
    }

    pub(super) fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    /// `ko` or `en` of a label.
    pub(super) fn pick(self, ko: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Ko => ko,
            Lang::En => en,
        }
    }

    pub(super) fn state(self, state: State) -> &'static str {
        match state {
            State::Pending => self.pick("대기", "pending"),
            State::Processing => self.pick("처리 중", "processing"),
            State::Done => self.pick("완료", "done"),
            State::Failed => self.pick("실패", "failed"),
            State::Dead => self.pick("포기", "dead"),
            State::Quarantined => self.pick("격리", "quarantined"),
            State::Discarded => self.pick("폐기", "discarded"),
        }
    }

    pub(super) fn outcome(self, outcome: AttemptOutcome) -> &'static str {
        match outcome {
            AttemptOutcome::Handled => self.pick("처리됨", "handled"),
            AttemptOutcome::Failed => self.pick("실패", "failed"),
            AttemptOutcome::Panicked => self.pick("패닉", "panicked"),
            AttemptOutcome::Unreadable => self.pick("읽을 수 없음", "unreadable"),
            AttemptOutcome::Abandoned => self.pick("중단됨", "abandoned"),
            AttemptOutcome::LeaseLost => self.pick("임대 잃음", "lease lost"),
        }
    }

    pub(super) fn started_by(self, by: StartedBy) -> &'static str {
        match by {
            StartedBy::Request => self.pick("요청", "request"),
            StartedBy::Accepted => self.pick("요청 (먼저 응답)", "request (accept-first)"),
            StartedBy::Worker => self.pick("워커", "worker"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_first_then_by_preference() {
        assert_eq!(Lang::from_accept_language(None), Lang::Ko);
        assert_eq!(Lang::from_accept_language(Some("fr-FR, de")), Lang::Ko);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("en;q=0.5, ko-KR;q=0.8")), Lang::Ko);
        assert_eq!(Lang::from_accept_language(Some("ko;q=0, en;q=0.1")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some(";;;,q=,")), Lang::Ko);
    }
}
