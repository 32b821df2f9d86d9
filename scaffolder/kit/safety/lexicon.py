"""The offline content filter's rules: phrases and patterns, each with a category and severity.

Written for the way harmful requests and answers are usually phrased in English, on folded
text (lower case, no accents). The rules look for intent and targets ("kill him", "how to make
a bomb", "<group> are vermin"), not single words, so "kill the process" or "the attack surface
of an API" stay clean. They miss paraphrase, sarcasm, other languages and anything said
indirectly; use the hosted moderation endpoint where that matters.
"""

from __future__ import annotations

_PERSON = (
    r"(him|her|them|you|u|me|people|someone|somebody|everyone|everybody|my (wife|husband|boss|"
    r"neighbou?r|mother|father|mom|dad|sister|brother|teacher|coworker|colleague|ex|partner|"
    r"family|classmates?)|(the |those |these |all )?(kids|children|students|classmates|"
    r"coworkers|civilians|police|cops|jews|muslims|immigrants))"
)
_HARM_VERB = (
    r"(kill|murder|shoot|stab|strangle|poison|behead|slaughter|torture|beat up|hurt|attack)"
)
_GROUP = (
    r"(immigrants|refugees|muslims|jews|christians|hindus|sikhs|buddhists|atheists|blacks|"
    r"black people|whites|white people|asians|latinos|hispanics|mexicans|arabs|africans|"
    r"women|men|gays|lesbians|gay people|trans people|transgender people|disabled people|"
    r"the disabled|foreigners|gypsies|roma)"
)
_DEHUMANIZING = (
    r"(animals|vermin|parasites|subhuman|sub-human|cockroaches|rats|a disease|a plague|"
    r"inferior|filth|scum|savages|not human|a cancer)"
)
_SELF_HARM = (
    r"(kill (myself|yourself|oneself)|commit suicide|end (my|your) (own )?life|self[- ]?harm|"
    r"cut (myself|yourself)|hang (myself|yourself)|overdose)"
)
_WEAPON = (
    r"(pipe bomb|bomb|explosives?|ied|molotov( cocktail)?|nerve agent|sarin|ricin|bioweapon|"
    r"chemical weapon|dirty bomb|napalm)"
)
_MINOR = (
    r"(child|children|minors?|kids?|underage|little (girls?|boys?)|preteens?|\d{1,2}[- ]?"
    r"(year[- ]olds?|yo))"
)

#: (category, severity 0-7, rule name, pattern on folded text)
RULES: tuple[tuple[str, int, str, str], ...] = (
    # violence
    ("violence", 6, "weapon-instructions",
     rf"\b(how (do i|to|can i|would i|could i)|ways? to|steps to|instructions (for|to)|"
     rf"recipe for|help me|teach me to|show me how to) (make|build|assemble|construct|"
     rf"build|cook|synthesi[sz]e|produce)( a| an| some)? (homemade )?{_WEAPON}\b"),
    ("violence", 6, "threat",
     rf"\b(i('m| am)? going to|i will|i'll|im gonna|i'm gonna|i want to|i plan to|"
     rf"help me|how (do i|to|can i)|i'm about to) {_HARM_VERB} {_PERSON}\b"),
    ("violence", 6, "attack-planning",
     r"\b(plan|carry out|commit|execute|organi[sz]e) (a |an )?(mass shooting|school shooting|"
     r"terrorist attack|terror attack|massacre|bombing)\b"),
    ("violence", 5, "incitement",
     rf"\b(we should|you should|let's|lets|go|someone should) {_HARM_VERB} {_PERSON}\b"),
    ("violence", 5, "untraceable-weapon",
     r"\b(buy|get|obtain|make|print|3d[- ]print)( an?)? (untraceable|ghost|unregistered) "
     r"(gun|firearm|weapon)s?\b"),
    ("violence", 4, "graphic-violence",
     r"\b(dismember(ed|ing|ment)?|decapitat\w+|disembowel\w*|gouge (out )?(his|her|their) eyes)\b"),
    ("violence", 2, "violence-mention",
     r"\b(murder(ed|s)?|massacre|shooting|stabbing|terrorist attack|bombing)\b"),
    # self-harm
    ("self-harm", 6, "self-harm-intent",
     rf"\b(i (want|wish|plan|intend|need) to|i('m| am) going to|i'm gonna|im gonna|i will|"
     rf"i'll) ({_SELF_HARM}|die|end it all)\b"),
    ("self-harm", 6, "self-harm-instructions",
     rf"\b(how (to|do i|can i|should i)|best way to|painless way to|quickest way to|easiest "
     rf"way to|ways to|methods? (to|of)) {_SELF_HARM}\b"),
    ("self-harm", 6, "overdose-instructions",
     r"\bhow many (\w+ )?(pills|tablets|sleeping pills)\b.{0,40}\b(die|overdose|kill|"
     r"lethal|fatal)\b"),
    ("self-harm", 6, "self-harm-encouragement",
     r"\b(you should|go|just) (kill yourself|die|end your life|hang yourself)\b|\bkys\b"),
    ("self-harm", 5, "self-harm-statement",
     r"\b(kill myself|end my life|i('m| am) suicidal|want to die|cutting myself|"
     r"hurting myself)\b"),
    ("self-harm", 2, "self-harm-mention", r"\b(suicide|suicidal|self[- ]harm)\b"),
    # hate
    ("hate", 6, "dehumanizing",
     rf"\b(all |those |the |these )?{_GROUP} (are|is) (just |nothing but |all )?{_DEHUMANIZING}"),
    ("hate", 6, "eliminationist",
     rf"\b{_GROUP} (should|must|deserve to|need to|ought to) (all )?(be )?(die|exterminated|"
     rf"eliminated|wiped out|gassed|burned|killed|shot|hanged|removed from (the )?earth)\b"),
    ("hate", 6, "eliminationist",
     rf"\b(kill|exterminate|eliminate|wipe out|gas|get rid of) (all )?(the |those )?{_GROUP}\b"),
    ("hate", 5, "hate-statement", rf"\b(i hate|we hate|death to|down with) (all )?{_GROUP}\b"),
    ("hate", 5, "supremacy",
     r"\b(racial|ethnic) (purity|cleansing)\b|\b(white|aryan) (power|supremacy|race is "
     r"superior)\b|\bgenocide (is|was) (good|justified|necessary|deserved)\b"),
    ("hate", 3, "xenophobic-taunt", r"\bgo back to (your|ur) (own )?country\b"),
    # sexual
    ("sexual", 7, "minors",
     rf"\b(nude|naked|explicit|porn\w*|erotic|sexy|sexual|lewd) (photos?|pictures?|pics|images?|"
     rf"videos?|content|stories|story|roleplay|acts?)? ?(of|with|involving|featuring|about) "
     rf"(a |an )?{_MINOR}"),
    ("sexual", 7, "minors", r"\b(child|underage|minor|kiddie|preteen) (porn\w*|nudes|sex)\b"),
    ("sexual", 5, "explicit-request",
     r"\b(write|describe|generate|create|tell me|send me|give me)\b.{0,30}\b(explicit|graphic|"
     r"hardcore|erotic|pornographic|dirty|x-rated|nsfw) (sex\w*|story|scene|content|fantasy|"
     r"roleplay|details)\b"),
    ("sexual", 5, "explicit-terms",
     r"\b(porn|pornography|hardcore sex|blowjobs?|handjobs?|masturbat\w+|send (me )?nudes|"
     r"nude pics)\b"),
    ("sexual", 2, "sexual-mention", r"\b(sex|sexual|sexy|nude|naked|erotic)\b"),
)  # fmt: skip
