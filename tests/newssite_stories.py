"""The built-in sample stories ``NewsSite.publish_sample`` publishes, in order.

Fictional wire-style stories. Real organisations and public figures appear only in
neutral reporting sentences; every quoted person is invented. The order mixes
watchlist stories with unrelated ones, so publish_sample(n) for any n >= 2 gives both.
"""

from __future__ import annotations

from typing import Any

SAMPLE_STORIES: tuple[dict[str, Any], ...] = (
    {
        "slug": "doha-aid-talks-resume",
        "title": "Taliban and regional envoys resume talks in Doha on aid access",
        "section": "World",
        "author": "Laila Rahimi",
        "expected_entities": {"taliban"},
        "sidebar": ["Kabul bakeries hold bread prices steady", "Snow closes Salang pass"],
        "paragraphs": [
            "Representatives of the Taliban administration and envoys from six neighbouring "
            "countries resumed talks in Doha on Tuesday, with access for humanitarian convoys "
            "at the top of the agenda.",
            "The meeting, the third this year, was held behind closed doors at a hotel near "
            "the city's corniche. Delegates said the first session lasted more than four hours.",
            "A spokesman for the Taliban delegation told reporters the discussions had been "
            '"constructive" and that a joint statement could follow later in the week.',
            "Aid agencies have long complained that permits for road convoys into the central "
            "highlands take weeks to approve. Mariam Sadat, who coordinates deliveries for a "
            "Kabul-based relief charity, said drivers were still waiting at checkpoints with "
            "flour and medicine meant for villages already cut off by early snow.",
            '"Every week of delay is felt in the clinics," she said by telephone.',
            "Diplomats attending the talks said a working group on customs procedures would "
            "meet again next month. The Taliban side has asked for frozen central bank reserves "
            "to be discussed at the same time, a request several envoys said was outside the "
            "scope of this round.",
        ],
    },
    {
        "slug": "kabul-falcons-win-derby",
        "title": "Late header hands Kabul Falcons derby win over Pamir United",
        "section": "Sport",
        "author": "Omid Karimi",
        "expected_entities": set(),
        "sidebar": ["Taliban hold talks in Doha", "UN team reports on al Qaeda presence"],
        "paragraphs": [
            "A stoppage-time header from defender Jawad Noori gave Kabul Falcons a 2-1 win over "
            "Pamir United in front of a sold-out crowd at Ghazi Stadium on Friday evening.",
            "Pamir took the lead against the run of play midway through the first half when "
            "winger Samir Habibi cut inside and curled a shot into the far corner.",
            "The Falcons pressed for most of the second half and finally equalised through "
            "substitute Ahmad Zia, who turned in a low cross from the left after 74 minutes.",
            "With the fourth official's board already raised, Noori rose highest at a corner "
            "in front of the west stand to send the home supporters into raptures.",
            '"We never stopped believing," said Falcons coach Rashid Amiri. "The players gave '
            'everything for the people who came tonight."',
            "The result lifts the Falcons to second place in the table, two points behind "
            "leaders Herat Lions, who play their game in hand next week.",
            "Pamir United manager Yusuf Barakzai said his side had defended well for long "
            "spells but had been punished for a single lapse in concentration.",
        ],
    },
    {
        "slug": "un-monitors-al-qaeda-report",
        "title": "UN monitors say al-Qaeda keeps a low profile in Afghanistan",
        "section": "World",
        "author": "Ledger Staff",
        "expected_entities": {"al-qaeda", "taliban", "ayman-al-zawahiri"},
        "sidebar": ["Kabul trade fair draws record crowds"],
        "paragraphs": [
            "A report by a United Nations monitoring team says al-Qaeda has kept a deliberately "
            "low profile in Afghanistan over the past year while maintaining a small presence "
            "in several provinces.",
            "The report, submitted to a Security Council committee, is based on information "
            "provided by member states. It estimates that the group's core leadership in the "
            "country numbers in the dozens rather than the hundreds.",
            "According to the monitors, the Taliban have sought to limit any visible activity "
            "by foreign fighters, in line with commitments the movement made in the 2020 Doha "
            "agreement with the United States.",
            "The document also reviews the aftermath of the killing of Ayman al-Zawahiri in "
            "Kabul in 2022, noting that al-Qaida has not publicly named a successor.",
            "Independent analyst Parwiz Hamdard, who studies militant networks at a university "
            'in Kabul, said the findings matched what researchers had observed. "The pattern '
            'is one of caution rather than disappearance," he said.',
            "The monitoring team is due to present an updated assessment in six months.",
        ],
    },
    {
        "slug": "baghlan-flash-floods",
        "title": "Flash floods sweep villages in Baghlan, hundreds displaced",
        "section": "Asia",
        "author": "Hamid Sharifi",
        "expected_entities": set(),
        "sidebar": ["IS-K claims attack near Jalalabad", "Taliban reshuffle provincial governors"],
        "paragraphs": [
            "Flash floods triggered by two days of heavy rain swept through villages in northern "
            "Baghlan province overnight, destroying homes and forcing hundreds of families to "
            "seek shelter on higher ground.",
            "Local officials said at least 400 houses had been damaged and that irrigation "
            "channels and orchards along the river valley were buried under mud.",
            "Rescue teams used tractors to reach hamlets cut off when a small bridge collapsed. "
            "Volunteers from neighbouring districts brought tents, blankets and drinking water.",
            '"The water came at night, we only had time to take the children," said Gul Ahmad, '
            "a farmer who lost his home and most of his livestock.",
            "Aid groups warned that damaged wells and latrines could lead to outbreaks of "
            "waterborne disease in the coming weeks. A regional health team has been sent to "
            "set up a mobile clinic.",
            "Forecasters expect more rain across the north-east before the end of the week.",
            "Schools in the worst-hit district will stay closed until at least the end of the "
            "week while engineers check the buildings.",
        ],
    },
    {
        "slug": "haqqani-network-influence-analysis",
        "title": "Analysis: the Haqqani network's weight inside the interior ministry",
        "section": "Opinion",
        "author": "Dr. Sahar Wardak",
        "expected_entities": {"haqqani-network", "sirajuddin-haqqani", "taliban"},
        "sidebar": ["Pamir United sign new goalkeeper", "Saffron growers expect bumper harvest"],
        "paragraphs": [
            "Few groups have shaped Afghanistan's security establishment since 2021 as much as "
            "the Haqqani network, the family-led faction that has long operated in the country's "
            "south-east.",
            "Sirajuddin Haqqani, who leads the network, serves as interior minister in the "
            "Taliban administration, giving the faction authority over police, passports and "
            "provincial security appointments.",
            "Researchers at the Centre for Frontier Studies, a fictional institute, say the "
            "ministry's reach gives the faction a strong voice in security appointments, "
            "particularly in its home provinces of Paktia and Khost.",
            "Haqqani's public profile has also changed. Where he once avoided cameras, he now "
            "appears at official ceremonies, a shift analysts read as an attempt to present "
            "the faction as part of the state rather than apart from it.",
            "Relations between the network and the movement's leadership in Kandahar are the "
            "subject of constant speculation in Kabul. Disagreements over education policy and "
            "foreign relations are widely reported, but rarely aired in public.",
            "For outside governments, the question is less about personalities than about "
            "who, in practice, controls the country's borders and internal security.",
            "That question is unlikely to be settled soon.",
        ],
    },
    {
        "slug": "westminster-panel-south-asia",
        "title": "Westminster panel weighs the West's long view of South Asia",
        "section": "Opinion",
        "author": "Ledger Correspondent in London",
        "expected_entities": set(),
        "sidebar": ["Haqqani network tightens grip on border posts", "Taliban ban on poppy"],
        "paragraphs": [
            "A cross-party panel met at Westminster on Wednesday to ask whether the West still "
            "has a coherent long-term view of South Asia, two decades after it first committed "
            "troops and money to the region.",
            "Among those listed on the programme was Husain Haqqani, a former ambassador, "
            "whose books on the region's diplomatic history were on sale in the foyer.",
            "Much of the debate turned on risk: how much of it donors are willing to carry when "
            "they fund schools, clinics and roads in places where they can no longer send "
            "their own staff.",
            "Panel chair Eleanor Whitcombe, a fictional backbench MP, argued that western "
            'capitals had swung from over-ambition to neglect. "We went from promising '
            'everything to promising nothing," she said.',
            "Other speakers pointed to comparisons with aid programmes in the West Bank and in "
            "the Sahel, and to the work of small organisations such as the Iskandar Trust, a "
            "fictional charity that runs literacy classes in mountain villages.",
            "The panel will publish a short report, West of the Indus, in the spring.",
        ],
    },
    {
        "slug": "isk-cell-disrupted-nangarhar",
        "title": "Security forces say IS-K cell disrupted in Nangarhar",
        "section": "Asia",
        "author": "Staff Reporter",
        "expected_entities": {"is-k", "islamic-state", "taliban"},
        "sidebar": ["Kabul Falcons climb to second", "Floods hit Baghlan villages"],
        "paragraphs": [
            "Security forces in eastern Nangarhar province say they have disrupted a cell of "
            "IS-K, the regional affiliate of the Islamic State group, during an overnight raid "
            "on the outskirts of Jalalabad.",
            "A statement from the provincial police, which is run by the Taliban "
            "administration, said several suspects had been detained and that weapons and "
            "explosive materials had been seized. The claim could not be independently verified.",
            "ISKP, as the group is also known, has carried out attacks on mosques, schools and "
            "officials in Afghanistan in recent years, and regards the Taliban as its enemy.",
            "Residents of the area said they heard gunfire for about an hour after midnight. "
            '"We stayed inside until the morning prayer," said shopkeeper Abdul Wahid.',
            "Analysts say the group has been weakened by repeated raids but retains the ability "
            "to stage occasional attacks, particularly in cities.",
            "Nangarhar, which borders Pakistan, was for several years the group's main "
            "stronghold in the country. Officials did not say whether those detained were "
            "Afghan nationals or when they would be brought before a court.",
        ],
    },
    {
        "slug": "kabul-trade-fair-saffron",
        "title": "Saffron and carpets draw buyers to Kabul trade fair",
        "section": "Asia",
        "author": "Zarghona Ahmadi",
        "expected_entities": set(),
        "sidebar": ["Taliban hold talks in Doha", "Haqqani network's weight inside ministry"],
        "paragraphs": [
            "Hundreds of traders crowded into an exhibition hall in western Kabul on Sunday for "
            "the opening of a five-day trade fair showcasing saffron, carpets, dried fruit and "
            "marble.",
            "Organisers said more than 300 businesses had taken stalls, about a third of them "
            "run by women, who exhibited embroidery and jewellery in a separate hall.",
            "Saffron producers from Herat said prices had firmed after a good harvest and new "
            'interest from buyers in the Gulf. "Quality is what sells," said grower Fatima '
            "Noori, holding up a small glass jar of crimson threads.",
            "Carpet weavers were less upbeat. Several said freight costs and payment delays "
            "made it hard to fill export orders, even when demand was there.",
            "A group of buyers from Central Asia signed letters of intent for dried apricots "
            "and almonds worth an estimated two million dollars, according to the organisers.",
            "Visitors also queued at a stand selling pomegranate juice from Kandahar, which "
            "the organisers said had sold out within hours of the doors opening.",
            "The fair runs until Thursday and is open to the public in the afternoons.",
        ],
    },
    {
        "slug": "aid-access-report-thomas-west",
        "title": "Report reviews a decade of diplomacy over aid access",
        "section": "World",
        "author": "Ledger Staff",
        "expected_entities": {"thomas-west", "taliban"},
        "sidebar": ["Westminster panel weighs the West's view of South Asia"],
        "paragraphs": [
            "A report by a fictional Geneva research group reviews ten years of diplomacy over "
            "humanitarian access to Afghanistan, drawing on published statements by envoys "
            "from more than a dozen countries.",
            "A chapter on the United States covers the period when Thomas West served as US "
            "special representative for Afghanistan, and the meetings held in that role with "
            "representatives of the Taliban in Doha.",
            "The authors describe West's tenure mainly through official readouts, which they "
            "say emphasised education for girls, the economy and the release of detainees.",
            "The report notes that meetings in Doha were usually followed by written summaries "
            "from both sides, and that the two accounts often stressed different points.",
            "Other chapters cover European and regional envoys, and the working relationship "
            "between donors and United Nations agencies in Kabul.",
            "Lead author Ingrid Solberg said the aim was to record what was said in public, "
            '"so that the next round of negotiators does not start from nothing."',
            "Copies of the report are available from the research group, and a shorter "
            "summary has been translated into Dari and Pashto.",
        ],
    },
    {
        "slug": "cricket-kandahar-cup-final",
        "title": "Kandahar Cup final washed out as rain returns",
        "section": "Sport",
        "author": "Omid Karimi",
        "expected_entities": set(),
        "sidebar": ["UN monitors say al-Qaeda keeps a low profile", "IS-K cell disrupted"],
        "paragraphs": [
            "The Kandahar Cup cricket final was abandoned without a ball bowled on Saturday "
            "after heavy rain left the outfield waterlogged for the second day running.",
            "Groundstaff worked through the morning with sponges and rollers, but the umpires "
            "ruled at the final inspection that conditions were unsafe for the players.",
            "Under tournament rules, the trophy is shared between Spin Ghar Tigers and Band-e "
            "Amir Dragons, who both finished the group stage unbeaten.",
            "Dragons captain Nasir Jamal said his side would have preferred to play. "
            '"You train all season for a day like this," he said. "Sharing is fair, but it is '
            'not the same."',
            "Fans who bought tickets will be offered a refund or a seat at next month's "
            "exhibition match between the two teams.",
            "The Tigers' coach, Habib Stanikzai, said a shared title was a fair reflection of a "
            "season in which the two sides had dominated the competition.",
            "The league will announce next season's fixtures in the coming weeks, with two new "
            "teams expected to join from the northern provinces.",
        ],
    },
)
