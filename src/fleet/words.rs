//! The words of the fleet features (delivery messages, the fleet summary's headings): the keys
//! are declared in src/i18n.rs, the texts live in the i18n/*.toml catalogues (`fleet_*`).

use crate::i18n::Lang;
pub use crate::i18n::W;

/// A fleet word in `lang`, from the i18n catalogues.
pub fn w(lang: Lang, word: W) -> &'static str {
    crate::i18n::word(lang, word.key())
}
