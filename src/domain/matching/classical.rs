//! Classical works: the wanted artist may be a performer (orchestra,
//! conductor, soloist, ensemble) of a work that every recording shares.
//!
//! The title and album then prove nothing about the recording: paths of
//! classical music usually name the composer first and the performers after
//! (`Beethoven - Symphony No. 5 (Wiener Philharmoniker, Kleiber)`), and the
//! performer decides. The wanted side tells the composer from the
//! performers by credit order and by an album or title that opens with the
//! composer (`Beethoven: Symphonies`); the path side looks for a credited
//! performer, and for another one where performers are written (another
//! ensemble anywhere, a name in brackets or after the work).

use std::ops::Range;

use super::normalize::fold;
use super::path_reading::PathView;
use super::wanted_artist::WantedArtist;

/// Words that make a credit an ensemble (and a band name such as Electric
/// Light Orchestra one too: the title must still name a work).
const ENSEMBLE_WORDS: &[&str] = &[
    "orchestra",
    "orchestre",
    "orchester",
    "orquesta",
    "orchestra's",
    "philharmonic",
    "philharmoniker",
    "philharmonia",
    "philharmonique",
    "symphony",
    "symphoniker",
    "sinfonia",
    "sinfonietta",
    "ensemble",
    "quartet",
    "quartett",
    "quatuor",
    "quintet",
    "trio",
    "choir",
    "chor",
    "chorus",
    "chamber",
    "staatskapelle",
    "consort",
    "kammerorchester",
    "sinfonieorchester",
    "players",
    "soloists",
];

/// Words of a path that name an ensemble. "symphony" is left out: it is
/// also the work ("Symphonies Nos. 5 & 7").
const PATH_ENSEMBLE_WORDS: &[&str] = &[
    "orchestra",
    "orchestre",
    "orchester",
    "orquesta",
    "philharmonic",
    "philharmoniker",
    "philharmonia",
    "philharmonique",
    "symphoniker",
    "sinfonietta",
    "ensemble",
    "quartett",
    "quatuor",
    "choir",
    "chor",
    "staatskapelle",
    "consort",
    "kammerorchester",
    "sinfonieorchester",
];

/// Words of a work's title. With an ensemble credited, one of them is
/// enough (the partial rule of 1c9931e).
const WORK_WORDS: &[&str] = &[
    "op", "opus", "bwv", "kv", "k", "hob", "rv", "d", "symphony", "concerto", "sonata", "suite",
    "quartet", "requiem", "mass", "overture", "nocturne", "etude", "prelude", "fugue", "allegro",
    "adagio", "andante", "presto", "largo", "scherzo", "rondo", "sinfonie", "konzert",
];

/// Catalogue marks: a work when a number follows (`Op. 67`, `BWV 988`).
const CATALOGUE: &[&str] = &[
    "op", "opus", "bwv", "kv", "k", "hob", "rv", "d", "hwv", "wwv", "woo", "sz", "bb", "fwv",
];

/// Forms of a work: a work when a number (`No. 5`) or a key (`in C minor`)
/// follows.
const FORMS: &[&str] = &[
    "symphony",
    "symphonie",
    "sinfonie",
    "concerto",
    "konzert",
    "sonata",
    "sonate",
    "quartet",
    "quintet",
    "trio",
    "requiem",
    "mass",
    "messe",
    "nocturne",
    "etude",
    "prelude",
    "fugue",
    "partita",
    "cantata",
    "kantate",
    "serenade",
    "divertimento",
    "overture",
    "suite",
    "mazurka",
    "polonaise",
    "impromptu",
    "ballade",
    "rhapsody",
    "variations",
];

/// Words that describe a work or a recording, not a person: a bracket
/// holding one of them is not a performer's credit.
const WORK_CONTEXT: &[&str] = &[
    "no",
    "nos",
    "nr",
    "major",
    "minor",
    "dur",
    "moll",
    "flat",
    "sharp",
    "complete",
    "works",
    "symphonies",
    "concertos",
    "sonatas",
    "quartets",
    "suites",
    "movement",
    "act",
    "scene",
    "excerpts",
    "highlights",
    "version",
    "edition",
    "recording",
    "remaster",
    "remastered",
];

/// Role words written next to a performer's name (`Kleiber, conductor`).
const ROLE_WORDS: &[&str] = &[
    "conductor",
    "cond",
    "dir",
    "directed",
    "piano",
    "pianist",
    "violin",
    "viola",
    "cello",
    "soprano",
    "mezzo",
    "alto",
    "tenor",
    "baritone",
    "bass",
    "harpsichord",
    "organ",
    "guitar",
    "flute",
    "oboe",
    "clarinet",
    "horn",
    "trumpet",
    "soloist",
];

/// How the credits of a wanted classical work divide.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ClassicalCredits {
    /// Indexes in `Wanted::artists` of the credited performers; empty when
    /// only the composer is credited.
    pub performers: Vec<usize>,
    /// Indexes in `Wanted::artists` of the credited ensembles.
    pub ensembles: Vec<usize>,
}

fn is_ensemble(folded_name: &str) -> bool {
    folded_name.split(' ').any(|w| ENSEMBLE_WORDS.contains(&w))
}

fn is_number(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

fn is_roman(t: &str) -> bool {
    !t.is_empty() && t.len() <= 5 && t.bytes().all(|b| matches!(b, b'i' | b'v' | b'x'))
}

fn is_key_letter(t: &str) -> bool {
    t.len() == 1 && (b'a'..=b'h').contains(&t.as_bytes()[0])
}

/// The folded title names a classical work: a catalogue mark with a number
/// (`Op. 67`, `BWV 988`, `Hob. XVI 52`), or a form with a number or a key
/// (`Symphony No. 5`, `Nocturne in E-flat`). "Bitter Sweet Symphony" does
/// not.
pub(crate) fn names_work(base: &str) -> bool {
    let words: Vec<&str> = base.split(' ').collect();
    words.iter().enumerate().any(|(i, w)| {
        let next = |k: usize| words.get(i + k).copied().unwrap_or("");
        if CATALOGUE.contains(w) {
            return is_number(next(1)) || (*w == "hob" && is_roman(next(1)));
        }
        if FORMS.contains(w) {
            // `Symphony No. 5`, `Piano Sonata 14`, `Sonata in C minor`,
            // `Concerto for Piano No. 2` (a few words later).
            return (1..=4).any(|k| {
                let t = next(k);
                (matches!(t, "no" | "nr" | "nos") && is_number(next(k + 1)))
                    || (k == 1 && is_number(t))
                    || (t == "in" && is_key_letter(next(k + 1)))
            });
        }
        false
    })
}

/// The words before a `:` of an album or title (`Beethoven: Symphonies`),
/// folded; `None` without one or when it is too long to be a name.
fn composer_prefix(raw: &str) -> Option<String> {
    let (head, _) = raw.split_once(':')?;
    let folded = fold(head);
    (!folded.is_empty() && folded.split(' ').count() <= 4).then_some(folded)
}

/// The surname of a person's name: its last word, long enough to be told
/// apart ("karajan" for "herbert von karajan"). Ensembles and one-word
/// names have none.
pub(crate) fn surname(folded_name: &str) -> Option<&str> {
    let mut words = folded_name.split(' ');
    let last = words.next_back()?;
    let several = words.next().is_some();
    (several && !is_ensemble(folded_name) && last.chars().count() >= 4 && !is_number(last))
        .then_some(last)
}

/// Reads the credits of a wanted track when its title names a classical
/// work; `None` otherwise. `credits` are the folded individual names in
/// the order credited.
pub(crate) fn read_credits(
    credits: &[String],
    artists: &[WantedArtist],
    title_base: &str,
    raw_title: &str,
    raw_album: Option<&str>,
) -> Option<ClassicalCredits> {
    let ensemble_credited = credits.iter().any(|c| is_ensemble(c));
    let loose_work = ensemble_credited && title_base.split(' ').any(|w| WORK_WORDS.contains(&w));
    if credits.is_empty() || !(loose_work || names_work(title_base)) {
        return None;
    }
    // The composer: the person an album or title such as "Beethoven:
    // Symphonies" opens with; else, in a list of several, the person
    // credited first (composer, then performers, as streaming services
    // and tags order classical credits).
    let prefixes: Vec<String> = [Some(raw_title), raw_album]
        .into_iter()
        .flatten()
        .filter_map(composer_prefix)
        .collect();
    let named_by_prefix = |c: &str| {
        let key = surname(c).unwrap_or(c);
        !is_ensemble(c) && prefixes.iter().any(|p| p.split(' ').any(|w| w == key))
    };
    let composer = credits
        .iter()
        .position(|c| named_by_prefix(c))
        .or_else(|| (credits.len() > 1 && !is_ensemble(&credits[0])).then_some(0));
    let index_of = |c: &str| artists.iter().position(|a| a.folded == c);
    let mut out = ClassicalCredits::default();
    for (k, c) in credits.iter().enumerate() {
        if Some(k) == composer {
            continue;
        }
        if let Some(i) = index_of(c) {
            out.performers.push(i);
            if is_ensemble(c) {
                out.ensembles.push(i);
            }
        }
    }
    Some(out)
}

/// The whole path's tokens that are not the title.
fn outside_title(view: &PathView, title: Option<&Range<usize>>) -> impl Iterator<Item = usize> {
    let all = 0..view.part(view.stem_part).end;
    let title = title.cloned();
    all.filter(move |i| !title.as_ref().is_some_and(|t| t.contains(i)))
}

/// Two words with the same first five letters ("berlin", "berliner").
fn same_stem(a: &str, b: &str) -> bool {
    let five = |w: &str| w.chars().count() >= 5;
    five(a) && five(b) && a.chars().take(5).eq(b.chars().take(5))
}

/// Path tokens (outside the title) that are the role word of a wanted
/// ensemble written in another form or language: a role word next to a
/// word sharing the start of one of its own words ("Berlin Philharmonic"
/// for "Berliner Philharmoniker").
pub(crate) fn ensemble_variant(
    a: &WantedArtist,
    view: &PathView,
    title: Option<&Range<usize>>,
) -> Vec<usize> {
    if !is_ensemble(&a.folded) {
        return Vec::new();
    }
    let f = &view.folded;
    let own: Vec<&str> = a
        .folded
        .split(' ')
        .filter(|w| !ENSEMBLE_WORDS.contains(w))
        .collect();
    outside_title(view, title)
        .filter(|&i| ENSEMBLE_WORDS.contains(&f.tok(i)))
        .filter(|&i| {
            let part = f.toks[i].part;
            (i.saturating_sub(2)..i + 3)
                .filter(|&k| k != i && k < f.toks.len() && f.toks[k].part == part)
                .any(|k| own.iter().any(|w| same_stem(w, f.tok(k))))
        })
        .collect()
}

/// Some path token outside the title names an ensemble that is none of the
/// wanted artists (`Wiener Philharmoniker` when the Berliner are wanted).
pub(crate) fn names_other_ensemble(
    artists: &[WantedArtist],
    credited_ensembles: &[usize],
    title_base: &str,
    view: &PathView,
    title: Option<&Range<usize>>,
) -> bool {
    let f = &view.folded;
    let all = 0..view.part(view.stem_part).end;
    let wanted: Vec<Range<usize>> = artists
        .iter()
        .flat_map(|a| f.find_all(&a.folded, all.clone()))
        .collect();
    let variants: Vec<usize> = credited_ensembles
        .iter()
        .filter_map(|&i| artists.get(i))
        .flat_map(|a| ensemble_variant(a, view, title))
        .collect();
    outside_title(view, title).any(|i| {
        let t = f.tok(i);
        PATH_ENSEMBLE_WORDS.contains(&t)
            && !title_base.split(' ').any(|w| w == t)
            && !wanted.iter().any(|r| r.contains(&i))
            && !variants.contains(&i)
    })
}

/// Where performers are written: a bracket group of the album folder or of
/// the file name (outside the title), or a dash segment of the album folder
/// after its first (`Beethoven - Symphony No. 5 - Kleiber`). Such a place
/// names someone when one of its words is unexplained and none says it is
/// about the work or the recording.
pub(crate) fn names_other_person(
    view: &PathView,
    title: Option<&Range<usize>>,
    explained: impl Fn(&str) -> bool,
) -> bool {
    let f = &view.folded;
    let mut places: Vec<Range<usize>> = Vec::new();
    let mut add_units = |range: Range<usize>, dash_segments: bool| {
        let mut i = range.start;
        while i < range.end {
            let t0 = f.toks[i];
            let mut j = i;
            while j < range.end && f.toks[j].seg == t0.seg && f.toks[j].group == t0.group {
                j += 1;
            }
            if t0.group != 0 || (dash_segments && t0.seg > 0) {
                places.push(i..j);
            }
            i = j;
        }
    };
    if let Some(p) = view.album_part {
        add_units(view.part(p), true);
    }
    add_units(view.part(view.stem_part), false);
    places.into_iter().any(|place| {
        if title.is_some_and(|t| t.start < place.end && place.start < t.end) {
            return false;
        }
        let about_work = place.clone().any(|i| {
            let t = f.tok(i);
            WORK_CONTEXT.contains(&t) || CATALOGUE.contains(&t) || FORMS.contains(&t)
        });
        !about_work
            && place.clone().any(|i| {
                let t = f.tok(i);
                !(is_number(t) || is_roman(t) || ROLE_WORDS.contains(&t) || explained(t))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_work_is_named_by_a_catalogue_number_or_a_numbered_form() {
        for t in [
            "symphony no 5 in c minor op 67 i allegro con brio",
            "goldberg variations bwv 988 aria",
            "piano sonata no 14 in c sharp minor",
            "nocturne in e flat major",
            "piano sonata hob xvi 52",
            "concerto for piano no 2",
        ] {
            assert!(names_work(t), "{t}");
        }
        for t in [
            "bitter sweet symphony",
            "mr blue sky",
            "a fifth of beethoven",
            "d a n c e",
            "suite judy blue eyes",
            "critical mass",
        ] {
            assert!(!names_work(t), "{t}");
        }
    }

    #[test]
    fn surnames_of_people_only() {
        assert_eq!(surname("herbert von karajan"), Some("karajan"));
        assert_eq!(surname("berliner philharmoniker"), None);
        assert_eq!(surname("karajan"), None);
        assert_eq!(surname("jay z"), None);
    }
}
