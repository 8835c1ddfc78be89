//! The writing systems (scripts) of letters, for `validate`'s look-alike check: an address
//! whose local part or domain label mixes scripts, such as `bоss@acme.com` with a Cyrillic
//! `о`, reads like another address and is most likely a mistake or a spoof.
//!
//! A small table of Unicode blocks rather than a crate: the check needs only to tell apart
//! the scripts whose letters are confused with Latin ones (Greek, Cyrillic, Armenian,
//! Cherokee, …) and the common ones of addresses, and a table keeps the dependency list and
//! the lock file as they are. Letters of a block not listed count as one "other" script.
//! Which mixes are fine follows the "highly restrictive" level of Unicode's UTS #39: one
//! script, or Latin with the scripts written together in Japanese, Chinese or Korean.

/// A script, as far as the look-alike check tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Script {
    Latin,
    Greek,
    Cyrillic,
    Armenian,
    Georgian,
    Cherokee,
    Hebrew,
    Arabic,
    Devanagari,
    Thai,
    Han,
    Hiragana,
    Katakana,
    Bopomofo,
    Hangul,
    /// The letters of a block the table does not list.
    Other,
}

/// The first and last code point of a block, and its script.
const BLOCKS: &[(u32, u32, Script)] = &[
    (0x0041, 0x005A, Script::Latin),
    (0x0061, 0x007A, Script::Latin),
    (0x00AA, 0x00AA, Script::Latin),
    (0x00BA, 0x00BA, Script::Latin),
    (0x00C0, 0x02AF, Script::Latin),
    (0x0370, 0x03FF, Script::Greek),
    (0x0400, 0x052F, Script::Cyrillic),
    (0x0530, 0x058F, Script::Armenian),
    (0x0590, 0x05FF, Script::Hebrew),
    (0x0600, 0x06FF, Script::Arabic),
    (0x0750, 0x077F, Script::Arabic),
    (0x08A0, 0x08FF, Script::Arabic),
    (0x0900, 0x097F, Script::Devanagari),
    (0x0E00, 0x0E7F, Script::Thai),
    (0x10A0, 0x10FF, Script::Georgian),
    (0x1100, 0x11FF, Script::Hangul),
    (0x13A0, 0x13FF, Script::Cherokee),
    (0x1C80, 0x1C8F, Script::Cyrillic),
    (0x1C90, 0x1CBF, Script::Georgian),
    (0x1D00, 0x1DBF, Script::Latin),
    (0x1E00, 0x1EFF, Script::Latin),
    (0x1F00, 0x1FFF, Script::Greek),
    (0x2C60, 0x2C7F, Script::Latin),
    (0x2D00, 0x2D2F, Script::Georgian),
    (0x2DE0, 0x2DFF, Script::Cyrillic),
    (0x3040, 0x309F, Script::Hiragana),
    (0x30A0, 0x30FF, Script::Katakana),
    (0x3100, 0x312F, Script::Bopomofo),
    (0x3130, 0x318F, Script::Hangul),
    (0x31A0, 0x31BF, Script::Bopomofo),
    (0x31F0, 0x31FF, Script::Katakana),
    (0x3400, 0x4DBF, Script::Han),
    (0x4E00, 0x9FFF, Script::Han),
    (0xA640, 0xA69F, Script::Cyrillic),
    (0xA720, 0xA7FF, Script::Latin),
    (0xAB30, 0xAB6F, Script::Latin),
    (0xAB70, 0xABBF, Script::Cherokee),
    (0xAC00, 0xD7AF, Script::Hangul),
    (0xF900, 0xFAFF, Script::Han),
    (0xFB00, 0xFB06, Script::Latin),
    (0xFB13, 0xFB17, Script::Armenian),
    (0xFB1D, 0xFB4F, Script::Hebrew),
    (0xFB50, 0xFDFF, Script::Arabic),
    (0xFE70, 0xFEFF, Script::Arabic),
    (0xFF21, 0xFF3A, Script::Latin),
    (0xFF41, 0xFF5A, Script::Latin),
    (0xFF66, 0xFF9F, Script::Katakana),
    (0x20000, 0x3FFFF, Script::Han),
];

/// Sets of scripts that are written together, so mixing them is no sign of a look-alike.
const TOGETHER: &[&[Script]] = &[
    &[
        Script::Latin,
        Script::Han,
        Script::Hiragana,
        Script::Katakana,
    ],
    &[Script::Latin, Script::Han, Script::Bopomofo],
    &[Script::Latin, Script::Han, Script::Hangul],
];

impl Script {
    /// The script of a letter; `None` for digits, punctuation, marks and symbols, which go
    /// with any script.
    pub(crate) fn of(c: char) -> Option<Self> {
        if !c.is_alphabetic() {
            return None;
        }
        let code = u32::from(c);
        let index = BLOCKS.partition_point(|(_, last, _)| *last < code);
        Some(match BLOCKS.get(index) {
            Some((first, _, script)) if *first <= code => *script,
            _ => Script::Other,
        })
    }

    /// The script's name, as messages give it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Script::Latin => "Latin",
            Script::Greek => "Greek",
            Script::Cyrillic => "Cyrillic",
            Script::Armenian => "Armenian",
            Script::Georgian => "Georgian",
            Script::Cherokee => "Cherokee",
            Script::Hebrew => "Hebrew",
            Script::Arabic => "Arabic",
            Script::Devanagari => "Devanagari",
            Script::Thai => "Thai",
            Script::Han => "Han",
            Script::Hiragana => "Hiragana",
            Script::Katakana => "Katakana",
            Script::Bopomofo => "Bopomofo",
            Script::Hangul => "Hangul",
            Script::Other => "other",
        }
    }
}

/// Letters of scripts that are not written together, found in one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mix {
    /// The scripts of the text's letters, in [`Script`] order.
    pub(crate) scripts: Vec<Script>,
    /// The script with the fewest letters: the likely intruder.
    pub(crate) odd: Script,
    /// The distinct letters of `odd`, in order of appearance.
    pub(crate) letters: Vec<char>,
}

/// The mix of scripts in `text`, when its letters are of scripts not written together.
pub(crate) fn mixed(text: &str) -> Option<Mix> {
    let mut counts: Vec<(Script, usize)> = Vec::new();
    for script in text.chars().filter_map(Script::of) {
        match counts.iter_mut().find(|(s, _)| *s == script) {
            Some((_, n)) => *n += 1,
            None => counts.push((script, 1)),
        }
    }
    counts.sort();
    let scripts: Vec<Script> = counts.iter().map(|(s, _)| *s).collect();
    let together = |set: &[Script]| scripts.iter().all(|s| set.contains(s));
    if scripts.len() < 2 || TOGETHER.iter().any(|set| together(set)) {
        return None;
    }
    // Fewest letters; on a tie the later script, so that Latin is not the odd one out.
    let odd = counts
        .iter()
        .rev()
        .min_by_key(|(_, n)| *n)
        .map(|(s, _)| *s)?;
    let mut letters = Vec::new();
    for c in text.chars().filter(|c| Script::of(*c) == Some(odd)) {
        if !letters.contains(&c) {
            letters.push(c);
        }
    }
    Some(Mix {
        scripts,
        odd,
        letters,
    })
}

#[cfg(test)]
mod tests {
    use super::{Script, mixed};

    #[test]
    fn blocks_are_sorted_and_apart() {
        for pair in super::BLOCKS.windows(2) {
            assert!(pair[0].0 <= pair[0].1 && pair[0].1 < pair[1].0, "{pair:?}");
        }
    }

    #[test]
    fn letters_get_their_script_and_other_characters_none() {
        assert_eq!(Script::of('a'), Some(Script::Latin));
        assert_eq!(Script::of('é'), Some(Script::Latin));
        assert_eq!(Script::of('о'), Some(Script::Cyrillic));
        assert_eq!(Script::of('ο'), Some(Script::Greek));
        assert_eq!(Script::of('օ'), Some(Script::Armenian));
        assert_eq!(Script::of('Ꭺ'), Some(Script::Cherokee));
        assert_eq!(Script::of('字'), Some(Script::Han));
        assert_eq!(Script::of('ক'), Some(Script::Other));
        for c in ['1', '.', '-', '+', '_', '@', '\u{301}'] {
            assert_eq!(Script::of(c), None, "{c:?}");
        }
    }

    #[test]
    fn mixes_of_look_alike_scripts_are_found_and_their_odd_letters_named() {
        let mix = mixed("bоss").unwrap();
        assert_eq!(mix.scripts, [Script::Latin, Script::Cyrillic]);
        assert_eq!(mix.odd, Script::Cyrillic);
        assert_eq!(mix.letters, ['о']);
        let mix = mixed("pаypаl").unwrap();
        assert_eq!(mix.letters, ['а']);
        assert_eq!(mixed("аb").unwrap().odd, Script::Cyrillic);
        assert_eq!(mixed("ѕсоtt").unwrap().odd, Script::Latin);
        assert_eq!(mixed("αlpha").unwrap().odd, Script::Greek);
    }

    #[test]
    fn one_script_and_scripts_written_together_are_no_mix() {
        for text in [
            "boss",
            "jane.smith+tag-2",
            "bücher",
            "иван.петров",
            "ελλάδα",
            "東京",
            "taro東京とうきょうトウキョウ",
            "서울seoul",
            "",
            "1234",
        ] {
            assert_eq!(mixed(text), None, "{text}");
        }
    }
}
