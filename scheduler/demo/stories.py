"""The sample stories `newsradar demo` publishes on its local news sites.

Fictional wire-style copy: the outlets, reporters, quoted people and events are
invented. Real organisations and public figures on the built-in watchlist
appear only in neutral, reporting-style sentences, so the matcher has
realistic text to work on.

Some stories are traps: they use a tracked name in another sense ("the West",
"Westminster", "Husain Haqqani, a former ambassador") or carry a tracked name
only in the page's sidebar (a football report next to a Taliban headline).
``expected`` is the ground truth: the entity ids the story's *body* really
mentions, which is exactly what the demo should alert on.
"""

from __future__ import annotations

from dataclasses import dataclass

LEDGER = "Kabul Ledger"
WIRE = "Indus Wire"
#: The demo's outlets, each served by its own local site with its own feed.
OUTLETS = (LEDGER, WIRE)


@dataclass(frozen=True)
class Story:
    """One sample story and what the watchlist should find in it."""

    outlet: str
    slug: str
    title: str
    author: str
    section: str
    paragraphs: tuple[str, ...]
    sidebar: tuple[str, ...] = ()
    expected: frozenset[str] = frozenset()
    trap: str | None = None  # why a careless matcher would alert on this story

    @property
    def text(self) -> str:
        """The body: the paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)

    @property
    def summary(self) -> str:
        """What the feed carries: the first paragraph."""
        return self.paragraphs[0]


def _story(
    outlet: str,
    slug: str,
    title: str,
    author: str,
    section: str,
    paragraphs: list[str],
    *,
    sidebar: tuple[str, ...] = (),
    expected: tuple[str, ...] = (),
    trap: str | None = None,
) -> Story:
    return Story(
        outlet,
        slug,
        title,
        author,
        section,
        tuple(paragraphs),
        sidebar,
        frozenset(expected),
        trap,
    )


STORIES: tuple[Story, ...] = (
    _story(
        LEDGER,
        "aid-convoy-permits-agreed",
        "Taliban administration and UN agencies agree faster permits for aid convoys",
        "Laila Rahimi",
        "World",
        [
            "KABUL (Kabul Ledger) - The Taliban administration and United Nations agencies have "
            "agreed on a shorter procedure for permits that aid convoys need to reach the "
            "central highlands, officials from both sides said on Tuesday.",
            "Under the new arrangement, a single office in Kabul will issue permits within "
            "five working days, replacing approvals that relief groups say took up to a month.",
            '"Drivers were waiting at checkpoints with flour and medicine while the snow '
            'closed the roads," said Mariam Sadat, who coordinates deliveries for a Kabul-based '
            'relief charity. "If the five days hold, it changes everything."',
            "A spokesman for the ministry of economy said the procedure would be reviewed "
            "after three months. The UN's humanitarian office said it would publish monthly "
            "figures on how long permits take.",
            "Aid agencies estimate that more than two million people in the highlands will "
            "depend on food deliveries before the spring harvest.",
        ],
        sidebar=("Salang pass reopens after avalanche", "Herat saffron prices climb"),
        expected=("taliban",),
    ),
    _story(
        LEDGER,
        "falcons-clinch-title",
        "Late winner hands Kabul Falcons the league title",
        "Omid Karimi",
        "Sport",
        [
            "KABUL (Kabul Ledger) - A stoppage-time volley from midfielder Jawad Noori gave "
            "Kabul Falcons a 2-1 win over Pamir United and the league title on the final day "
            "of the season.",
            "Pamir led through a first-half header from Samir Habibi, and the Falcons needed "
            "a win to overtake Herat Lions at the top of the table.",
            "Substitute Ahmad Zia equalised after 71 minutes, turning in a low cross at the "
            "near post, before Noori struck from the edge of the area with the last kick.",
            '"We never stopped believing," said Falcons coach Rashid Amiri. "This title '
            'belongs to the supporters who travelled with us all season."',
            "The Falcons will represent the country in next year's regional club tournament.",
        ],
        sidebar=(
            "Taliban and UN agencies agree faster permits for aid convoys",
            "Islamic State affiliate claims Jalalabad attack",
        ),
        trap="tracked names only in the sidebar",
    ),
    _story(
        WIRE,
        "ttp-claims-police-post-attack",
        "Pakistani Taliban claim attack on police post in Khyber Pakhtunkhwa",
        "Sana Qureshi",
        "Asia",
        [
            "PESHAWAR (Indus Wire) - The Pakistani Taliban claimed responsibility on Wednesday "
            "for a night-time attack on a police post in Khyber Pakhtunkhwa province that "
            "killed two officers and wounded three, police said.",
            "The group, formally known as Tehrik-i-Taliban Pakistan or TTP, said in a "
            "statement that its fighters had targeted the post with small arms and grenades.",
            "A senior police officer in the district, speaking on condition of anonymity, "
            "said reinforcements had been sent and that a search operation was under way in "
            "the surrounding hills.",
            "The TTP is a separate organisation from the movement that governs Afghanistan, "
            "though Islamabad accuses Kabul of allowing its fighters to shelter across the "
            "border, a charge Kabul denies.",
            "Attacks on police in the province have risen this year, according to figures "
            "compiled by a fictional Islamabad research centre.",
        ],
        sidebar=("Central bank holds rates", "Karachi port volumes rise"),
        expected=("ttp",),
    ),
    _story(
        WIRE,
        "westminster-south-asia-debate",
        "Westminster debate asks whether the West still has a plan for South Asia",
        "Indus Wire London staff",
        "World",
        [
            "LONDON (Indus Wire) - Members of a cross-party group met at Westminster on "
            "Wednesday to ask whether the West still has a coherent long-term view of trade "
            "and development in South Asia.",
            "Among the speakers was Husain Haqqani, a former ambassador, who argued that "
            "western capitals had swung from over-ambition to neglect.",
            "Panel chair Eleanor Whitcombe, a fictional backbench MP, said donors needed "
            'patience. "We went from promising everything to promising nothing," she said.',
            "Other speakers compared aid programmes in the region with those in the West Bank "
            "and in the Sahel, and several called for more money for girls' education.",
            "The group will publish a short report, West of the Indus, in the spring.",
        ],
        sidebar=("Haqqani network tightens grip on border posts",),
        trap='"the West", "Westminster", "Husain Haqqani, a former ambassador"',
    ),
    _story(
        LEDGER,
        "interior-ministry-police-reshuffle",
        "Interior ministry reshuffles provincial police chiefs",
        "Hamid Sharifi",
        "World",
        [
            "KABUL (Kabul Ledger) - The Taliban's interior ministry replaced police chiefs in "
            "nine provinces on Sunday, the largest reshuffle of its kind in more than a year.",
            "The ministry is led by Sirajuddin Haqqani, who also heads the Haqqani network, "
            "the family-led faction with long-standing roots in the south-east.",
            "A ministry statement said the changes were routine. Analysts said several of "
            "the new appointees had previously served in Paktia and Khost, the network's "
            "home provinces.",
            "Haqqani has appeared more often at public ceremonies in recent months, a shift "
            "that researchers read as an effort to present the faction as part of the state.",
            "The ministry did not say when the new chiefs would take up their posts.",
        ],
        sidebar=("Falcons clinch the league title",),
        expected=("taliban", "sirajuddin-haqqani", "haqqani-network"),
    ),
    _story(
        WIRE,
        "central-bank-holds-rates",
        "Central bank holds policy rate as inflation eases",
        "Imran Siddiqui",
        "Business",
        [
            "KARACHI (Indus Wire) - Pakistan's central bank kept its policy rate unchanged on "
            "Monday, saying inflation had eased for a third month but remained above target.",
            "The bank said food prices had fallen after a strong wheat harvest, while energy "
            "costs continued to weigh on households and manufacturers.",
            "Most economists polled by Indus Wire before the meeting had expected no change. "
            "Several said a cut was likely early next year if the currency stayed stable.",
            "The benchmark stock index rose slightly after the announcement.",
        ],
        sidebar=("Pakistani Taliban claim attack on police post",),
        trap="tracked names only in the sidebar",
    ),
    _story(
        LEDGER,
        "nrf-panjshir-clashes",
        "Resistance group reports clashes in Panjshir valley",
        "Laila Rahimi",
        "World",
        [
            "KABUL (Kabul Ledger) - The National Resistance Front said on Thursday its "
            "fighters had clashed with Taliban units in two districts of the Panjshir valley, "
            "a claim the authorities in Kabul dismissed as propaganda.",
            "The NRF, which opposes the Taliban administration, said the fighting lasted "
            "several hours. Neither side's account could be independently verified.",
            "Ali Maisam Nazary, the group's head of foreign relations, said in a post on "
            "social media that the clashes showed the movement's reach in the north.",
            "Residents reached by telephone said roads into the valley had been closed "
            "since Wednesday evening.",
        ],
        sidebar=("Snow closes Salang pass",),
        expected=("nrf", "taliban", "ali-maisam-nazary"),
    ),
    _story(
        LEDGER,
        "herat-saffron-harvest",
        "Herat saffron growers expect a record harvest",
        "Zarghona Ahmadi",
        "Business",
        [
            "HERAT (Kabul Ledger) - Saffron growers in western Herat province expect their "
            "largest harvest in a decade after a mild autumn and late rains, traders said.",
            "Pickers, most of them women, begin work before dawn, when the purple flowers "
            "are still closed, and separate the crimson threads by hand.",
            '"Quality is what sells," said grower Fatima Noori, holding up a small jar. '
            '"Buyers in the Gulf now ask for our saffron by name."',
            "Exporters said freight costs remained the main obstacle to reaching European markets.",
        ],
        sidebar=("Interior ministry reshuffles provincial police chiefs",),
    ),
    _story(
        WIRE,
        "former-envoy-west-think-tank",
        "Former US envoy Thomas West says aid talks need patience",
        "Indus Wire Washington staff",
        "World",
        [
            "WASHINGTON (Indus Wire) - Thomas West, a former US special representative for "
            "Afghanistan, told a think-tank audience on Tuesday that talks on humanitarian "
            "access would take years rather than months.",
            "West said meetings with representatives of the Taliban in Doha had produced "
            "written summaries from both sides that often stressed different points.",
            "He declined to comment on current policy, saying he spoke in a personal capacity.",
            "The event, organised by a fictional research group, also heard from aid workers "
            "who described delays at border crossings.",
        ],
        sidebar=("Westminster debate on South Asia",),
        expected=("thomas-west", "taliban"),
    ),
    _story(
        LEDGER,
        "jalalabad-market-attack-claim",
        "Islamic State affiliate claims attack on Jalalabad market",
        "Staff Reporter",
        "World",
        [
            "JALALABAD (Kabul Ledger) - Islamic State Khorasan Province, the regional "
            "affiliate of the Islamic State group, claimed responsibility on Friday for an "
            "explosion at a market in Jalalabad that wounded at least six people.",
            "The claim was published on a channel the group uses for its statements. "
            "Provincial police said one suspect had been detained.",
            "ISKP has carried out attacks on mosques, schools and officials in recent years, "
            "and regards the Taliban as its enemy.",
            'Shopkeeper Abdul Wahid said the market reopened by the afternoon. "People have '
            'to eat, so we open," he said.',
        ],
        sidebar=("Herat saffron growers expect a record harvest",),
        expected=("is-k", "islamic-state", "taliban"),
    ),
    _story(
        WIRE,
        "salang-pass-reopens",
        "Salang pass reopens after avalanche clearance",
        "Staff Reporter",
        "Asia",
        [
            "KABUL (Indus Wire) - The Salang pass, the main road link between Kabul and the "
            "north, reopened on Saturday after crews spent three days clearing an avalanche.",
            "Hundreds of lorries carrying fuel and flour had queued on both sides of the "
            "tunnel, drivers said.",
            "Road officials advised travellers to carry chains and warm clothing, with more "
            "snow forecast for next week.",
        ],
        sidebar=("Resistance group reports clashes in Panjshir",),
    ),
    _story(
        WIRE,
        "un-monitors-al-qaeda",
        "UN monitors say al Qaeda keeps a low profile in Afghanistan",
        "Indus Wire New York staff",
        "World",
        [
            "NEW YORK (Indus Wire) - A United Nations monitoring team says al Qaeda has kept "
            "a deliberately low profile in Afghanistan over the past year while keeping a "
            "small presence in several provinces.",
            "The report, submitted to a Security Council committee, says the Taliban have "
            "sought to limit any visible activity by foreign fighters.",
            "It also reviews the aftermath of the killing of Ayman al-Zawahiri in Kabul in "
            "2022, noting that the group has not publicly named a successor.",
            "The monitoring team will present an updated assessment in six months.",
        ],
        sidebar=("Central bank holds policy rate",),
        expected=("al-qaeda", "taliban", "ayman-al-zawahiri"),
    ),
    _story(
        LEDGER,
        "leader-decree-provincial-councils",
        "Supreme leader issues decree on provincial councils",
        "Hamid Sharifi",
        "World",
        [
            "KANDAHAR (Kabul Ledger) - The Taliban's supreme leader, Hibatullah Akhundzada, "
            "has issued a decree setting up advisory councils in every province, his "
            "spokesman said on Monday.",
            "The councils will be made up of religious scholars and tribal elders appointed "
            "by provincial governors, according to the decree.",
            "Akhundzada rarely appears in public and is based in Kandahar rather than Kabul.",
            "The decree did not say when the councils would first meet.",
        ],
        sidebar=("Salang pass reopens",),
        expected=("taliban", "hibatullah-akhundzada"),
    ),
)
