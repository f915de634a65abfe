"""Does a free-text comment voice a criticism or a difficulty? A small, transparent lexicon.

Session feedback ends with "Is there anything you'd like your therapist to know — something that
helped, or something that didn't?". The engine needs one bit per comment
(``EpisodeBatch.critical_text``): did the client put something critical or difficult into words?
The as-if signal, for example, asks whether a client has *ever* done so.

This is deliberately not a trained model: every rule is listed below, a therapist or researcher
can read it, and it behaves the same everywhere. It is English only and errs towards flagging
(a missed criticism matters more than a flagged neutral remark; the flag only removes an
episode from the as-if signal and is never shown as a judgement of the client).

How a comment is read:

1. Lower-case; typographic apostrophes become ``'``; the text is split into clauses at
   punctuation and at "but", "though", "although", "however"; each clause into words;
   softeners such as "a", "bit", "very", "really", "quite" are dropped (:data:`FILLERS`).
2. A **critical word or phrase** (:data:`CRITICAL_WORDS`, :data:`CRITICAL_PHRASES`: "rushed",
   "judged", "uncomfortable", "frustrated", "felt off", "watching clock", "too fast",
   "different approach", …) flags the comment — unless a **negator** (:data:`NEGATORS`: "not",
   "no", "never", "nothing", any "…n't", …, plus "without") stands among the 3 words before it
   in the same clause ("I never felt rushed").
3. A negator followed within 3 words by a **positive word** (:data:`POSITIVE_WORDS`: "help",
   "listening", "understand", "sure", "working", "see", …) flags the comment ("didn't help",
   "weren't listening", "not sure this is working"), as does a negated "feel/felt" followed by
   "like", "that", "I", "we", "you", … ("I didn't feel I could say that"). A critical word met
   first takes the negation instead ("didn't feel judged").
4. Phrases that begin with their own negation (:data:`NEGATIVE_PHRASES`: "not for me",
   "don't want to complain") always flag.

Everything else — "All good, thank you.", "Thanks, very helpful.", "Helpful session" — is not
critical.

Source: a plain lexicon-plus-negation approach in the spirit of rule-based sentiment analysis
(e.g. NegEx, Chapman et al. 2001, *J Biomed Inform* 34:301-310 — negation cues within a short
window); the word lists are Attune's own, built from the client's side of rupture markers
(confrontation: complaints about the therapist, the activities, the parameters or the progress
of therapy; withdrawal: feeling unsafe, disconnected; clinical-science.md §3.1) and from the
session-feedback prompt.

No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

import re

__all__ = [
    "CRITICAL_PHRASES",
    "CRITICAL_WORDS",
    "FILLERS",
    "NEGATIVE_PHRASES",
    "NEGATORS",
    "POSITIVE_WORDS",
    "is_critical",
]

#: Words that negate what follows them (within ``SCOPE`` words, in the same clause).
NEGATORS: frozenset[str] = frozenset(
    {
        "not", "no", "never", "nothing", "none", "nobody", "neither", "nor", "cannot",
        "hardly", "barely",
        "dont", "didnt", "doesnt", "isnt", "wasnt", "werent", "arent", "cant", "couldnt",
        "wouldnt", "shouldnt", "havent", "hasnt", "hadnt", "wont",
    }
)  # fmt: skip
#: Words that only cancel a critical word after them ("without rushing").
SUPPRESSORS: frozenset[str] = frozenset({"without"})
#: Number of words after a negator that it reaches.
SCOPE = 3

#: Softeners dropped before matching ("a bit rushed" = "rushed").
FILLERS: frozenset[str] = frozenset(
    {"a", "an", "the", "bit", "very", "really", "quite", "so", "rather", "somewhat", "pretty",
     "just", "kind", "sort", "slightly", "totally", "honestly"}
)  # fmt: skip

#: Single words voicing a criticism or a difficulty with the session or the therapist.
CRITICAL_WORDS: frozenset[str] = frozenset(
    {
        # about the therapist's manner (confrontation markers, clinical-science.md §3.1)
        "rushed", "rushing", "hurried", "lectured", "lecturing", "preachy", "judged", "judging",
        "judgemental", "judgmental", "patronising", "patronizing", "patronised", "patronized",
        "condescending", "dismissive", "dismissed", "dismissing", "interrupted", "interrupting",
        "ignored", "ignoring", "misunderstood", "misunderstanding", "misunderstand", "unheard",
        "invalidated", "invalidating", "criticised", "criticized", "blamed", "blaming", "pushy",
        "pushed", "pushing", "pressured", "pressure", "pressuring", "forced", "rude",
        "impatient", "uninterested", "disinterested", "distracted", "unprepared", "forgot",
        "forgotten", "rejected", "mechanical", "robotic", "scripted", "superficial",
        # how the session felt (withdrawal and strain)
        "uncomfortable", "discomfort", "uneasy", "unsafe", "awkward", "disconnected", "distant",
        "detached", "tense", "strained", "annoyed", "annoying", "irritated", "irritating",
        "frustrated", "frustrating", "frustration", "disappointed", "disappointing",
        "disappointment", "upset", "upsetting", "hurt", "hurtful", "offended", "offensive",
        "embarrassed", "ashamed", "humiliated", "confused", "confusing", "confusion",
        "overwhelmed", "overwhelming", "bored", "boring", "unfair",
        # about the activities, the parameters or the progress of therapy
        "pointless", "useless", "unhelpful", "worthless", "meaningless", "irrelevant", "waste",
        "wasted", "wasting", "stuck", "failing", "failed", "failure", "worse", "wrong",
        "unclear", "doubt", "doubts", "doubtful", "quit", "quitting", "complain", "complaint",
        "complaints",
    }
)  # fmt: skip

#: Multi-word critical phrases (after dropping :data:`FILLERS`).
CRITICAL_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split())
    for p in (
        "felt cold", "feel cold", "feels cold", "was cold", "seemed cold", "were cold",
        "felt off", "feel off", "feels off", "seemed off", "felt lost", "feel lost",
        "watching clock", "looking at clock", "checking clock", "clock watching",
        "same things", "same thing", "in circles", "already decided", "made up your mind",
        "too much", "too fast", "too quick", "too quickly", "too soon", "too early", "too slow",
        "too slowly", "too hard", "too difficult", "too intense", "too deep", "too vague",
        "too short", "too long", "too pushy", "too many",
        "different approach", "different therapist", "another therapist", "new therapist",
        "change therapist", "different method", "different kind of therapy",
        "stop for while", "stop therapy", "stopping therapy", "stop coming", "stop sessions",
        "if i should stop", "thinking about stopping", "thinking of stopping", "take break",
        "taking break", "give up", "giving up", "end therapy", "ending therapy",
        "hard to say", "hard to tell you", "hard to bring up", "afraid to say",
    )
)  # fmt: skip

#: Phrases that carry their own negation and always flag.
NEGATIVE_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split())
    for p in (
        "not for me", "isnt for me", "wasnt for me", "dont want to complain",
        "didnt want to complain", "didnt dare", "didnt feel i could", "dont feel i can",
    )
)  # fmt: skip

#: Words that, negated, voice a criticism ("didn't help", "not sure", "weren't listening").
POSITIVE_WORDS: frozenset[str] = frozenset(
    {
        "help", "helps", "helped", "helping", "helpful", "useful", "listen", "listens",
        "listened", "listening", "hear", "heard", "hearing", "understand", "understands",
        "understood", "understanding", "get", "gets", "got", "getting", "see", "saw", "seen",
        "know", "sure", "clear", "like", "liked", "enjoy", "enjoyed", "good", "great", "right",
        "ok", "okay", "fine", "safe", "comfortable", "work", "works", "worked", "working",
        "change", "changes", "changed", "changing", "progress", "better", "improve", "improving",
        "improved", "improvement", "connect", "connected", "trust", "trusted", "respected",
        "relevant", "valuable", "worth", "matter", "mattered", "care", "cared", "interested",
        "welcome", "welcomed", "supported",
    }
)  # fmt: skip

#: After a negated "feel/felt", these words make it critical ("didn't feel like you were there").
_FEEL = frozenset({"feel", "felt", "feeling", "feels"})
_FEEL_NEXT = frozenset(
    {"like", "that", "i", "we", "you", "able", "free", "heard", "understood", "safe", "seen",
     "listened", "comfortable", "respected", "welcome", "connected", "supported"}
)  # fmt: skip

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_CLAUSE = re.compile(r"[.!?;:,()\[\]\"\n\u2014\u2013]+|\s-\s|\b(?:but|though|although|however)\b")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def _words(clause: str) -> list[str]:
    words = [w.replace("'", "") if w.endswith("n't") else w for w in _WORD.findall(clause)]
    words = ["cannot" if w == "can't" else w for w in words]
    return [w for w in words if w not in FILLERS]


def _starts(words: list[str], at: int, phrase: tuple[str, ...]) -> bool:
    return tuple(words[at : at + len(phrase)]) == phrase


def _critical_clause(words: list[str]) -> bool:
    for at, word in enumerate(words):
        if any(_starts(words, at, p) for p in NEGATIVE_PHRASES):
            return True
        hit = word in CRITICAL_WORDS or any(_starts(words, at, p) for p in CRITICAL_PHRASES)
        before = words[max(0, at - SCOPE) : at]
        if hit and not any(w in NEGATORS or w in SUPPRESSORS for w in before):
            return True
        if word in NEGATORS:
            for k in range(at + 1, min(len(words), at + 1 + SCOPE)):
                following = words[k]
                if following in CRITICAL_WORDS or following in NEGATORS:
                    break
                if following in POSITIVE_WORDS:
                    return True
                if following in _FEEL and k + 1 < len(words) and words[k + 1] in _FEEL_NEXT:
                    return True
    return False


def is_critical(text: str) -> bool:
    """True when the free text voices a criticism or a difficulty (rules in the module
    docstring: a transparent English lexicon with simple negation handling in the spirit of
    NegEx, Chapman et al. 2001). Empty or bland text ("All good", "Thanks") is not critical."""
    if not text or not text.strip():
        return False
    normal = text.lower().translate(_APOSTROPHES)
    return any(_critical_clause(_words(clause)) for clause in _CLAUSE.split(normal) if clause)
