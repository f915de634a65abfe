"""Small pools of realistic free text for the simulated practice.

Everything here is invented. The pools are deliberately small but varied: client comments after
a session (positive, neutral, bland, critical, about a repaired rupture, about stopping), goals in
the client's own words by problem area, short clinical progress-note sentences, names, and the
"how I work" texts of the demo therapists.

``BLAND_COMMENTS`` (used for "as-if" clients) contain no critical words and no negations, so an
as-if detector that looks for critical free text finds none there.
"""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    "Aisha", "Amelie", "Amir", "Ana", "Ben", "Bilal", "Birte", "Chen", "Chiara", "Clara",
    "Daria", "David", "Dmitri", "Elif", "Emil", "Emma", "Farid", "Fatima", "Finn", "Gabriel",
    "Grace", "Greta", "Hannah", "Hiroshi", "Hugo", "Ida", "Ibrahim", "Ines", "Jamal", "Jana",
    "Joel", "Karin", "Kemal", "Kwame", "Laila", "Leonie", "Lina", "Luca", "Malik", "Marek",
    "Maya", "Mateo", "Nadia", "Nikolai", "Noor", "Olivia", "Oskar", "Paul", "Pedro", "Priya",
    "Rahel", "Rosa", "Ruth", "Samir", "Selin", "Sofia", "Sven", "Tariq", "Thea", "Tobias",
    "Uma", "Valentina", "Vera", "Wei", "Wiktoria", "Yara", "Yusuf", "Zara", "Zeynep", "Jonah",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Ahmed", "Andersen", "Aydin", "Bauer", "Bianchi", "Castillo", "Chowdhury", "Costa",
    "Dubois", "Eriksen", "Fischer", "Fontaine", "Friedrich", "Haddad", "Hansen", "Hoffmann",
    "Ibrahim", "Ivanova", "Jansen", "Kaya", "Keller", "Kim", "Kowalski", "Krause", "Lange",
    "Larsen", "Lehmann", "Lopez", "Mendes", "Moreau", "Mwangi", "Nakamura", "Nguyen",
    "Novak", "Okonkwo", "Olsen", "Owusu", "Park", "Peters", "Petrova", "Popescu", "Quinn",
    "Rahman", "Richter", "Romano", "Santos", "Schmidt", "Schneider", "Shapiro", "Silva",
    "Sokolov", "Sorensen", "Suzuki", "Vogel", "Wagner", "Walsh", "Wojcik", "Yilmaz",
    "Zimmermann", "Zhang",
)  # fmt: skip

PROBLEM_LABELS: dict[str, str] = {
    "depression": "low mood",
    "anxiety": "anxiety",
    "trauma": "trauma-related symptoms",
    "relationships": "relationship difficulties",
    "family": "family conflict",
    "grief": "grief",
    "self-esteem": "low self-worth",
    "stress-burnout": "work stress and exhaustion",
    "anger": "anger",
    "addiction": "alcohol use",
    "sleep": "poor sleep",
    "identity": "questions of identity",
    "eating": "eating difficulties",
    "ocd": "obsessive thoughts and checking",
}

GOALS: dict[str, tuple[str, ...]] = {
    "depression": (
        "Get out of bed on weekdays without dreading the whole day",
        "Enjoy things again, like cooking and seeing friends",
        "Stop feeling like a burden to the people I love",
    ),
    "anxiety": (
        "Take the train to work without a panic attack",
        "Worry less about things I can't control",
        "Speak up in team meetings",
    ),
    "trauma": (
        "Feel safe in my own body again",
        "Sleep without the nightmares waking me up",
        "Be able to think about the accident without falling apart",
    ),
    "relationships": (
        "Stop picking fights with my partner when I feel hurt",
        "Find out what I actually want in a relationship",
        "Trust people a bit more",
    ),
    "family": (
        "Talk with my parents without ending up feeling like a child",
        "Be a calmer parent when the kids fight",
        "Set clearer boundaries with my brother",
    ),
    "grief": (
        "Find a way to live with losing my mum",
        "Be able to look at old photos without shutting down",
    ),
    "self-esteem": (
        "Be kinder to myself when I make mistakes",
        "Stop comparing myself to everyone around me",
    ),
    "stress-burnout": (
        "Say no at work without feeling guilty",
        "Get my energy back",
        "Have evenings when I don't think about work",
    ),
    "anger": (
        "Notice my anger before it explodes",
        "Stop shouting at the people I care about",
    ),
    "addiction": (
        "Drink only at weekends, or not at all",
        "Find other ways to calm down than drinking in the evening",
    ),
    "sleep": (
        "Sleep through the night most nights",
        "Stop lying awake going over the day",
    ),
    "identity": (
        "Feel more at home with who I am",
        "Work out what I want from my life, not what others expect",
    ),
    "eating": (
        "Eat regular meals without counting everything",
        "Stop bingeing when I'm stressed",
    ),
    "ocd": (
        "Leave the house without checking the stove five times",
        "Let intrusive thoughts pass without doing rituals",
    ),
}

POSITIVE_COMMENTS: tuple[str, ...] = (
    "It helped to slow down and look at what happened at work on Monday.",
    "I liked that we made a small plan for the weekend.",
    "Thank you for remembering what I said about my sister last time.",
    "I left feeling lighter than when I came in.",
    "The breathing exercise at the end was useful. I tried it on the tram home.",
    "Good to finally talk about the exam. I had been putting it off for weeks.",
    "I felt understood today.",
    "It was hard to talk about Dad, but I'm glad I did.",
    "Talking about the dream made more sense than I expected.",
    "I appreciated you asking what I wanted to focus on.",
    "The exercise with the two chairs felt strange at first, then really helpful.",
    "I slept better this week and I think last session had something to do with it.",
)

NEUTRAL_COMMENTS: tuple[str, ...] = (
    "Tired today, hard to concentrate.",
    "A lot happened this week and we only got to half of it.",
    "Could we spend more time on the work situation next time?",
    "I'd like to go through the homework together again, I wasn't sure how to fill it in.",
    "I need some time to think about today.",
    "Still a bit raw after what we talked about.",
)

BLAND_COMMENTS: tuple[str, ...] = (
    "All good, thank you.",
    "Good session as always.",
    "Fine.",
    "Thanks, very helpful.",
    "Everything is going well.",
    "Great as usual!",
    "Thank you!",
    "Nice to see you again.",
)

CRITICAL_COMMENTS: tuple[str, ...] = (
    "I felt you weren't listening when I talked about my mother.",
    "It felt rushed at the end, like you were watching the clock.",
    "I didn't understand why we went back to my childhood again. I wanted to talk about now.",
    "Honestly, the exercises feel pointless and I don't see what they're for.",
    "When you said I was avoiding it, I felt judged.",
    "I'm not sure you got how serious the situation at work is.",
    "I felt a bit lectured today.",
    "You interrupted me twice and I lost my thread.",
    "I keep saying the same things and nothing changes.",
    "It felt like you had already decided what my problem is.",
    "The homework makes me feel like I'm failing, and I didn't feel I could say that in the room.",
    "The session felt cold today. I didn't feel like you were really there.",
)

REPAIR_COMMENTS: tuple[str, ...] = (
    "I was annoyed in the middle, but it helped that you asked about it and we talked it through.",
    "It was hard to say that I felt misunderstood, but I'm glad I did. It feels better now.",
    "Thanks for taking it seriously when I said the exercise didn't work for me.",
    "Something felt off at first, but we cleared it up before the end.",
)

DOUBT_COMMENTS: tuple[str, ...] = (
    "I'm not sure this is helping. I've been thinking about taking a break.",
    "Sometimes I wonder if I should stop for a while.",
    "I don't know if I can keep coming every week, with money and everything.",
    "Maybe a different approach would suit me better?",
)

GAIN_COMMENTS: tuple[str, ...] = (
    "Something shifted this week. I can't quite explain it, but I feel more like myself.",
    "Last session really stayed with me. I feel a lot better.",
)

ALL_COMMENTS: tuple[str, ...] = (
    POSITIVE_COMMENTS
    + NEUTRAL_COMMENTS
    + BLAND_COMMENTS
    + CRITICAL_COMMENTS
    + REPAIR_COMMENTS
    + DOUBT_COMMENTS
    + GAIN_COMMENTS
)

# --- progress notes: one or two short sentences, neutral clinical register, no pronouns ---

INTAKE_NOTES: tuple[str, ...] = (
    "Intake: explored presenting concerns ({problem}) and relevant history; agreed on weekly "
    "sessions and on using the check-in and session feedback.",
    "First session: client describes {problem} over the past months; discussed goals and how "
    "we will review progress together.",
    "Assessment of {problem}; no acute risk reported. Explained the way I work and invited "
    "feedback after each session.",
)

ENDING_NOTES: tuple[str, ...] = (
    "Ending session: reviewed progress against the goals and a relapse-prevention plan; client "
    "feels ready to finish.",
    "Final session: looked back on the work together and named early warning signs; door left "
    "open for a follow-up.",
)

TRANSFER_NOTES: tuple[str, ...] = (
    "Agreed together on a warm referral to a colleague; discussed openly what has and has not "
    "helped so far.",
    "Reviewed the lack of progress and the strain in our work; client chose to continue with a "
    "colleague and I will arrange the handover.",
)

RUPTURE_REPAIRED_NOTES: tuple[str, ...] = (
    "Client withdrew after I linked the conflict at work to the family history; I named the "
    "shift, acknowledged my part, and we explored it together.",
    "Tension when I suggested an exercise too early; client said it felt pushed. Talked it "
    "through and slowed the pace.",
    "Client became irritated when I kept returning to the same theme; we stopped and looked at "
    "what had happened between us.",
)

REPAIR_NOTES: tuple[str, ...] = (
    "Returned to last session's tension at the start; client felt heard and the work felt "
    "collaborative again.",
    "Client brought up the misunderstanding from last time; good repair, engaged and open.",
)

RUPTURE_UNREPAIRED_NOTES: tuple[str, ...] = (
    "Client quiet and guarded; said little about the week. Attempted to explore the distance "
    "between us without much success.",
    "Client disagreed with the focus of the work and felt misunderstood; tension remained at "
    "the end of the session.",
    "Session felt stuck; client answered briefly and seemed to wait for the hour to end.",
)

GAIN_NOTES: tuple[str, ...] = (
    "Marked improvement since last session; client describes feeling 'lighter' after a "
    "conversation with the family.",
    "Client reports a clear shift in mood this week; explored what made the difference.",
)

SWITCH_NOTES: tuple[str, ...] = (
    "Progress has stalled; agreed together to shift the emphasis from {old} to {new}.",
    "Reviewed the outcome chart together; we will try {new} instead of {old} for the next "
    "sessions.",
)

RISK_NOTES: tuple[str, ...] = (
    "Safety check after PHQ-9 item 9 = {value}: passive thoughts of death, no plan or intent; "
    "safety plan reviewed and crisis numbers given.",
    "Followed up the check-in (item 9 = {value}): thoughts that life is not worth living on "
    "some days, no intent; agreed on the safety plan and a check-in call.",
)

MODALITY_NOTES: dict[str, tuple[str, ...]] = {
    "contemporary-psychoanalysis": (
        "Explored how the fear of being a burden also shows up between us.",
        "Worked with a recurring dream about being left behind at a station.",
        "Linked the current relationship difficulties to early experiences of not being seen.",
    ),
    "psychodynamic-therapy": (
        "Explored the pattern of pleasing others and the anger underneath it.",
        "Worked on the ambivalence about the relationship with the father.",
    ),
    "emdr": (
        "EMDR: installed a calm-place resource and practised the stop signal.",
        "EMDR processing of an intrusive memory; distress came down from 8 to 3 (SUD).",
        "EMDR: continued processing of the target memory; body scan clear at the end.",
    ),
    "somatic-experiencing": (
        "Tracked bodily sensations and worked with pendulation between activation and resources.",
        "Grounding and orienting when the tightness in the chest came up.",
    ),
    "clinical-hypnosis": (
        "Brief hypnotic induction for ego-strengthening with a safe-place image.",
        "Hypnosis: rehearsed a calm response to the morning panic in imagination.",
    ),
    "cbt": (
        "Reviewed thought records; identified all-or-nothing thinking about work.",
        "Planned graded activities for the week and reviewed last week's plan.",
        "Set up a behavioural experiment for speaking up in the team meeting.",
    ),
    "act": (
        "Defusion exercises around the thought 'I'm not good enough'; clarified values.",
        "Worked on willingness to feel anxiety while taking one valued step.",
    ),
    "dbt": (
        "Chain analysis of the weekend's binge; practised distress-tolerance skills.",
        "Practised emotion-regulation skills and reviewed the diary card.",
    ),
    "schema-therapy": (
        "Chair work with the inner-critic mode; strengthened the healthy adult.",
        "Imagery rescripting of a school memory; client able to comfort the younger self.",
    ),
    "person-centred-therapy": (
        "Client-led session about the changes at home; mostly reflecting and clarifying.",
        "Stayed with the client's sense of being stuck without rushing to solutions.",
    ),
    "systemic-therapy": (
        "Genogram work; explored roles and loyalties in the family of origin.",
        "Circular questions about how the family reacts when the conflict escalates.",
    ),
    "mentalization-based-treatment": (
        "Slowed down a conflict with the partner to explore what each might have felt.",
        "Noticed a moment of misunderstanding between us and mentalized it together.",
    ),
    "compassion-focused-therapy": (
        "Compassionate-self imagery; client noticed how harsh the self-talk is.",
        "Soothing-rhythm breathing and a compassionate letter as homework.",
    ),
}

GENERAL_NOTES: tuple[str, ...] = (
    "Reviewed the week and the check-in scores together; agreed on a focus for next time.",
    "Client brought a difficult conversation with a friend; explored what made it hard.",
    "Talked through a stressful situation at work and what helped to get through it.",
    "Revisited the goals together; client wants to keep the current focus.",
    "Explored a recent argument at home and the feelings behind it.",
    "Looked at the outcome chart together and discussed what has changed so far.",
)

RESPONSE_NOTES: dict[str, tuple[str, ...]] = {
    "better": (
        "Client reports better sleep and more energy this week.",
        "Mood brighter; client engaged well.",
        "Scores improving; client noticing small changes at work.",
    ),
    "same": (
        "Client engaged; mood much the same as last week.",
        "Ongoing work; no major change this week.",
        "Client tired but engaged.",
    ),
    "worse": (
        "Client more low this week after a difficult weekend.",
        "Scores higher; client describes more worry and poor sleep.",
        "Difficult week; client tearful and withdrawn at times.",
    ),
}

# --- therapist profiles: "how I work", first person, warm, plain language ---

HOW_I_WORK: dict[str, str] = {
    "therapist": (
        "I work in an integrative way, with contemporary psychoanalysis as my home base. That "
        "means I am interested in what happens between us: the feelings, patterns and old "
        "expectations that show up in our relationship often tell us something important about "
        "your life outside the room.\n\n"
        "When painful memories keep pulling you back, I may suggest EMDR. When your body "
        "carries the stress, for example as tension, numbness or restlessness, we can work "
        "with it directly through Somatic Experiencing. Sometimes I use clinical hypnosis to "
        "build calm and inner strength. We decide together which of these fits, and we can "
        "change course when something does not help.\n\n"
        "Your feedback matters to me. If something in a session feels wrong or unhelpful, "
        "please tell me, in the room or in the short form afterwards. It will not upset our "
        "work; it usually makes it better."
    ),
    "colleague": (
        "I work mainly with cognitive behavioural therapy (CBT) and acceptance and commitment "
        "therapy (ACT). In practice that means we look at how your thoughts, feelings and "
        "actions keep each other going, and we try out small, concrete changes between "
        "sessions.\n\n"
        "I like to be clear about goals, and I will regularly ask whether we are on track. "
        "If the scores or your own sense say we are not, I would rather talk about it early "
        "than carry on as if nothing were wrong."
    ),
    "therapist-03": (
        "Many people who come to me are very hard on themselves. I work with schema therapy, "
        "DBT skills and compassion-focused therapy to understand where that inner critic comes "
        "from and to build a kinder, steadier voice alongside it.\n\n"
        "Sessions are a mix of talking, practising skills and sometimes imagery or chair work. "
        "I will explain each exercise before we try it, and you can always say no.\n\n"
        "I see therapy as teamwork. Tell me what helps and what does not; I take that seriously."
    ),
    "therapist-04": (
        "I look at problems in their context: your family, your partner, your work and the "
        "other people who matter to you. In systemic therapy we explore how these relationships "
        "shape what you feel and do, and where small changes could make a big difference.\n\n"
        "I also draw on person-centred therapy, which means I listen closely and follow your "
        "pace. You are the expert on your life; I bring questions, ideas and a fresh view.\n\n"
        "You are welcome to bring family members or a partner to some sessions if that feels "
        "useful."
    ),
    "therapist-05": (
        "I work psychodynamically and with mentalization-based treatment. Together we try to "
        "understand what goes on in your mind and in the minds of others, especially in "
        "moments when feelings run high and things get confusing.\n\n"
        "Our relationship is part of the work. If you feel misunderstood by me, that is "
        "important information, and I will want to slow down and understand it with you rather "
        "than brush past it."
    ),
    "therapist-06": (
        "I offer a calm, accepting space, online, for people working out who they are, dealing "
        "with anxiety, or running on empty. My approach combines acceptance and commitment "
        "therapy, compassion-focused therapy and a person-centred attitude.\n\n"
        "We will spend time on what matters to you and on how to treat yourself with more "
        "warmth when things are hard. I will not push you into anything; we find the pace "
        "together.\n\n"
        "I welcome clients of all genders, sexualities and backgrounds."
    ),
    "therapist-07": (
        "My focus is trauma and anxiety. I use EMDR to help the brain process memories that "
        "still feel as if they are happening now, and CBT and DBT skills to make everyday life "
        "more manageable.\n\n"
        "Before we work on difficult memories, we make sure you have enough stability and "
        "tools to stay grounded. You decide how fast we go. If a session leaves you shaken, "
        "please let me know so we can adjust."
    ),
    "therapist-08": (
        "I have worked as a psychoanalytic psychotherapist for over twenty years. I offer a "
        "space to think about your life at depth: recurring patterns in love and work, losses "
        "that are hard to bear, and the parts of ourselves we would rather not see.\n\n"
        "The work is unhurried and mostly talking. It can take time, and I will be honest with "
        "you about how I think we are doing. I hope you will be honest with me too."
    ),
    "therapist-09": (
        "Stress, burnout and poor sleep often live in the body as much as in the mind. I work "
        "with Somatic Experiencing, acceptance and commitment therapy, and clinical hypnosis to "
        "help your nervous system settle and to find a way of living that fits your values.\n\n"
        "Sessions are practical and gentle. We notice what happens in your body, build "
        "resources, and take small steps you choose yourself.\n\n"
        "If something does not suit you, tell me. There is more than one way to get there."
    ),
    "therapist-10": (
        "I am in the final stage of my psychotherapy training and work under regular "
        "supervision. I use CBT and schema therapy, mainly with eating difficulties, "
        "obsessive-compulsive problems and low mood.\n\n"
        "I will explain what we do and why, and I check in often about how the work feels for "
        "you. Your feedback helps me and my supervisor make sure you get good care."
    ),
}
