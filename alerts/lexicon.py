"""The word lists the matcher reads, kept apart so they can be reviewed on their own.

Every list holds folded forms (``alerts.normalize``: lowercase, no diacritics,
Arabic letter variants folded) unless its comment says otherwise. Changing a list
changes what counts as a mention: run tests/test_matcher.py and the corpus
(``python benchmarks/match_quality.py``) after any edit.
"""

from __future__ import annotations

import re

__all__ = [
    "ABBREVIATIONS",
    "ARABIC_GIVEN_NAMES",
    "ARABIC_NAME_SECONDS",
    "ARABIC_TITLES",
    "AR_PREFIX",
    "AR_SUFFIXES",
    "COMMON_WORDS",
    "DETERMINERS",
    "DROPPABLE_PARTICLES",
    "GLUE_WORDS",
    "HONORIFICS",
    "INITIALS_SKIP",
    "KEPT_PARTICLES",
    "LATIN_GIVEN_NAMES",
    "ORDINARY_WORDS",
    "TITLES",
]


def _words(text: str) -> frozenset[str]:
    """A word list written as whitespace-separated text."""
    return frozenset(text.split())


# Words that follow a name directly when scraping drops the dash between them.
# Kept to function words and frequent sentence continuations: a derivational
# ending that is also a word ("a", "i", "an", "ism", "ward", "less", "like", "man")
# would turn "Haqqania", "Haqqanian" or "Westward" into a mention. "is" stays
# although it makes demonym plurals ("Iraqis") glue for a place-name alias.
GLUE_WORDS = _words(
    """
    about after against all also although am and another any are arent as at
    be because been before being both but by can cant could couldnt did didnt do
    does doesnt dont during each even ever every for from had hadnt has hasnt have
    havent having he her here hes him his how however if in including into is isnt
    it its just many may me might more most much must my never no nor not now of
    on once one only onto or other our over said says she shes should shouldnt
    since so some still such than that thats the their them then there theres
    these they theyre theyve this those though through to too under until upon us
    very was wasnt we were werent weve what whats when where which while who whom
    whos whose whove why will with within without wont would wouldnt yet you your
    youre
    """
)

# A small curated list of frequent English words (plus titles and compass points).
# Used to tell an ordinary word from a name: a one-word alias or surname that is an
# ordinary word ("West") gets no lenient forms and stricter surname checks, and a
# capitalised ordinary word before a surname ("Yesterday Kurilla") is no first name.
COMMON_WORDS = _words(
    """
    able access according across act action actually add added administration afghan
    after afternoon again age agency ago agreed agreement ahead aid air airport allies
    almost alone along already american among analyst analysts announced annual answer
    anyone anything april area areas armed army around arrested asked attack attacks
    august authorities authority away back bad bank base based battle became become
    began behind believe best better between big bill black blood board body book born
    border both brown budget building business call called came camp campaign capital
    car care case cases cause center central change chief child children china chinese
    church city civil civilian civilians claimed clear close coast cold come comes
    coming command commander committee community companies company conflict congress
    control cook could council countries country course court cover crisis cross
    current cut day days dead deal death decision defense department despite
    development did died different director does done down due during early east
    eastern economic economy education effort election end enough even evening ever
    every everyone evidence face fact fall family far father fear february federal
    feel few field fight fighters fighting final finally find fire first five foreign
    force forces ford former forward four fox free friday friends front full further
    future gave general get give given global go going gold good got government great
    green ground group groups growing hall hand hard head health hear heard held help
    high hill history hit hold home hope hour hours house however human hunter idea
    important including independent information inside instead intelligence interior
    international interview iranian islamic issue issues january job join joint july
    june just justice keep key killed killing kind king knew know known land large last
    late later law lead leader leaders leadership least leave led left less let life
    light like likely line little live local long look lost lot love made main major
    make making man many march market may meanwhile media meeting member members men
    met middle might military million minister ministry monday money month months
    more morning most mother move much must name nation national near need network
    never new news next night nine none north northern nothing now number office
    officer officers official officials often oil old once one only open operation
    operations order other others out outside over own page pakistani park part
    parties party past pay peace people per perhaps period person place plan plans
    point police policy political power president press price prime prison problem
    process program province public put question quickly quite rather read ready real
    really reason received recent recently red region report reported reports
    resistance rest result return rice rich right rights road rose rule run said
    saturday saw say saying says school second security see seen senior september
    service set seven several she short should show side since six small social
    soldiers some someone something soon south southern special spokesman spring
    staff stand start state states still stone street strong summer sunday support
    sure system take taken talks team ten than that their them then there these they
    thing things think third this those though thought thousands three through
    thursday time times today together told too took top total toward town trade
    troops true try tuesday turn two under union until upon use used very victory
    village violence wall want war was washington watch water way week weekend weeks
    well went west western what when where which while white who whole why wife will
    winter within without woman women wood word work world would year years yes
    yesterday yet young
    afterward afterwards earlier previously separately additionally moreover
    furthermore nevertheless nonetheless similarly likewise ultimately eventually
    initially notably meanwhile instead indeed unlike asked speaking writing
    """
)

TITLES = _words(
    """
    mr mrs ms miss dr prof professor sir dame lord lady gen general lt lieutenant col
    colonel maj major capt captain cmdr commander adm admiral sgt sergeant brig
    brigadier marshal sen senator rep representative gov governor president vice
    minister secretary ambassador envoy chief director spokesman spokesperson
    spokeswoman deputy mullah mulla maulvi mawlawi maulana mufti qari sheikh shaikh
    sheik amir emir imam haji hajji hafiz caliph king queen prince princess judge
    justice chairman chairwoman premier chancellor mayor acting former late
    """
)

ORDINARY_WORDS = COMMON_WORDS | GLUE_WORDS | TITLES

DETERMINERS = _words(
    """
    the a an this that these those another any each every either neither no some
    such what which whatever whichever my your his her its our their whose
    """
)

# Particles before a surname. Arabic articles are often dropped in English text
# ("Zawahiri"), the others are kept ("bin Laden", not "Laden").
DROPPABLE_PARTICLES = frozenset({"al", "el", "ul"})
KEPT_PARTICLES = _words(
    "bin ibn bint abu abd van von der den de da di du del della dos la le st"
    " \u0628\u0646 \u0627\u0628\u0646 \u0627\u0628\u0648"  # بن ابن ابو
)

# Arabic-script clitics: conjunctions and prepositions written onto the next word
# (optionally with the article), and Persian/Urdu/Pashto/Arabic endings that keep
# the word about the entity (adjective or ezafe -ی, plurals -ها/-های, Pashto
# oblique -و/-ې, Arabic nisba -یه). Folded forms (ی -> ي, ة -> ه).
AR_PREFIX = re.compile("(?:[\u0648\u0641]?[\u0628\u0644\u0643]?)(?:\u0627\u0644)?")
AR_SUFFIXES = frozenset(
    {
        "\u064a",  # ی / ي
        "\u0647\u0627",  # ها
        "\u0647\u0627\u064a",  # های
        "\u0647\u0627\u064a\u064a",  # هایی
        "\u0648",  # و
        "\u06d0",  # ې
        "\u06cd",  # ۍ
        "\u064a\u0647",  # یه / ية
        "\u0627\u0646",  # ان (Persian plural of a person's name)
    }
)
# Abbreviations after which a "." does not end a sentence (as written, not folded).
ABBREVIATIONS = sorted(
    _words(
        "Mr Mrs Ms Dr Gen Lt Col Maj Capt Cmdr Adm Sgt Brig Sen Rep Gov Prof St Jr Sr No "
        "Vol vs etc Inc Ltd Co Corp Jan Feb Mar Apr Aug Sep Sept Oct Nov Dec"
    )
)

# Titles and honorifics that, before a person's surname, make it their full name
# ("Gen. Kurilla", "Mullah Akhundzada", "Sheikh Zawahiri"). Not "former", "acting".
HONORIFICS = TITLES - {"acting", "former", "late", "deputy", "vice", "chief", "director"}

# Arabic-script given names and name parts, folded (ی -> ي, ک -> ك, ة -> ه), used to
# tell another person's name before a surname ("جلال الدين حقاني", the father) in a
# script without capitals. Titles (ملا, شيخ, مولوي...) are not here: before a
# surname they name the same person.
ARABIC_GIVEN_NAMES = _words(
    """
    محمد احمد علي حسين حسن عمر عثمان خالد جلال سراج انس عبد ابراهيم يوسف اسامه ايمن
    امين نور رحمت حميد كريم رحيم مصطفي عزيز هبت ذبيح امير خليل بدر ناصر سعيد عبيد
    فضل غني ضياء شهاب نجيب جمال كمال صلاح فريد ظاهر طاهر داود اسماعيل اسحاق يعقوب
    موسي عيسي زكريا حمزه بلال طارق زبير سلمان فيصل منصور مسعود محمود ملك شاه
    """
)
# Second parts of compound given names: "جلال الدين", "عبد الله", "هبت الله".
ARABIC_NAME_SECONDS = _words("الدين الله الرحمن الحق الرحيم")
# Arabic-script titles before a name: the same person, never another one.
ARABIC_TITLES = _words("ملا مولوي مولانا شيخ حاجي قاري مفتي امير الشيخ الملا جنرال")

# Latin-script given names and name parts common in Afghan, Pakistani and Arab names.
# Between a tracked person's given name and surname one of these makes another
# person ("Ahmad Shah Massoud" is not "Ahmad Massoud"), not a middle name.
LATIN_GIVEN_NAMES = _words(
    """
    shah zia khan jan gul mohammad muhammad mohammed ahmad ahmed ali abdul abdullah
    nabi rahman rahim karim hamid hassan hussain husain omar umar osman usman khalil
    jalal siraj din uddin ullah allah noor nur mir sher wali haji sayed syed said
    akhtar mansour mansoor masood massoud zaman aziz rashid yusuf yousuf ibrahim ismail
    """
)

# Small words an acronym's initials skip: "Tehrik-i-Taliban Pakistan" is TTP, "Islamic
# State of Iraq and Syria" is ISIS.
INITIALS_SKIP = _words("of the and for in on at to a an de la le du des et i e ul al el ud y")
