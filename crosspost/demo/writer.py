"""A seeded procedural news writer for the sample web: invented towns, people, numbers and quotes.

Templates use a tiny grammar: ``[a|b|c]`` picks one alternative (nesting allowed), ``#rule#``
expands a shared rule, ``{slot}`` fills a piece's own entity (town, official, amount, ...). Each
piece draws its own entities and its own subset of templates, so pieces of the same topic share
little wording; all the text here was written for this project.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

FIRST = [
    "Adela",
    "Bram",
    "Corin",
    "Delphine",
    "Eamon",
    "Fenna",
    "Gideon",
    "Halvard",
    "Ines",
    "Joaquin",
    "Katrien",
    "Lucan",
    "Maelis",
    "Nadir",
    "Oriel",
    "Petra",
    "Quillon",
    "Rosalind",
    "Soren",
    "Tamsin",
    "Ulric",
    "Vesna",
    "Wendell",
    "Xanthe",
    "Yusuf",
    "Zelda",
    "Anouk",
    "Barnaby",
    "Cosima",
    "Dashiell",
    "Elowen",
    "Florian",
    "Greer",
    "Hollis",
    "Ilse",
    "Jasper",
    "Kerensa",
    "Lorcan",
    "Marisol",
    "Nikolai",
    "Odessa",
    "Percival",
    "Rhiannon",
    "Stellan",
    "Talitha",
    "Viggo",
    "Wilhelmina",
    "Yara",
]
LAST = [
    "Abernathy",
    "Brightwater",
    "Castellane",
    "Dunmore",
    "Eskildsen",
    "Farrow",
    "Galloway",
    "Hartigan",
    "Ingersoll",
    "Jablonski",
    "Kettleby",
    "Lindqvist",
    "Marchetti",
    "Nakamura",
    "Okonkwo",
    "Pemberton",
    "Quaresma",
    "Rasmussen",
    "Szabo",
    "Thistlewood",
    "Underhill",
    "Vantongeren",
    "Whitlock",
    "Yarrowby",
    "Zielinski",
    "Achterberg",
    "Blackwood",
    "Calloway",
    "Delacroix",
    "Ellingham",
    "Fairweather",
    "Grimaldi",
    "Holloway",
    "Ivanova",
    "Jorgensen",
    "Kowalczyk",
    "Lockhart",
    "Mbeki",
    "Northcott",
    "Oyelaran",
    "Prentiss",
    "Ravensworth",
    "Sandoval",
    "Tremayne",
    "Urquhart",
]
TOWN_A = [
    "Ash",
    "Bram",
    "Cold",
    "Dun",
    "Elm",
    "Fair",
    "Glen",
    "Hale",
    "Iron",
    "Kirk",
    "Lark",
    "Marsh",
    "Nor",
    "Oak",
    "Pell",
    "Quarry",
    "Red",
    "Stone",
    "Thorn",
    "Wex",
    "Yar",
    "Bright",
    "Crow",
    "Fern",
    "Gull",
    "Holm",
    "Lynn",
    "Mill",
    "Ravel",
    "Sedge",
    "Tarn",
    "Wold",
]
TOWN_B = [
    "combe",
    "ford",
    "mere",
    "wick",
    "haven",
    "ton",
    "bury",
    "field",
    "ridge",
    "dale",
    "brook",
    "stead",
    "gate",
    "moor",
    "well",
]
COUNTIES = [
    "Alder",
    "Brackwater",
    "Cindervale",
    "Dorrow",
    "Eastmarch",
    "Fallowmere",
    "Greyfen",
    "Hollin",
    "Kestrel",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class Draft:
    """One generated piece: a title, paragraphs and the facts a site needs to file it."""

    title: str
    paragraphs: list[str]
    topic: str
    section: str
    tags: list[str]
    author: str
    town: str
    ctx: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


# Shared rules: the connective tissue of news prose.
RULES: dict[str, list[str]] = {
    "said": ["said", "told reporters", "said in an interview", "[added|noted] [later|afterwards]"],
    "meeting": [
        "[a packed|a lengthy|a tense|an unusually quiet] [session|meeting|hearing] on {day}",
        "{day}'s [session|meeting] at [the civic hall|town hall|the county building]",
        "[a special|a rescheduled] [session|hearing] [late on|early on] {day}",
    ],
    "background": [
        "The [dispute|question|issue] is not new: {town} [first took it up|began debating it] "
        "in {past_year}, [when|after] [a consultant's report|a citizens' petition|a state audit] "
        "[warned of|pointed to|flagged] [rising costs|a widening gap|mounting delays].",
        "[Records|Minutes|Documents] [reviewed by|obtained by|seen by] the {paper} show that "
        "[officials|staff] [had|have] [discussed|weighed] [alternatives|options] for "
        "[at least|more than] {small} [years|months] without [settling|agreeing] on one.",
        "[Since|Ever since] {past_year}, [the population of {town}|enrolment across {county} "
        "County|the number of households in {town}] has [grown|climbed|risen] by "
        "[roughly|about|nearly] {pct} percent, [according to|by the count of] "
        "[the county planning office|provincial statistics|a regional survey].",
        "{town}, a [river|market|former mill|lakeside|hill] town of about {pop} "
        "[people|residents], [has long relied on|still depends on] [a handful of|two or three] "
        "[large employers|public institutions|seasonal industries].",
        "[Similar|Comparable] [fights|debates|proposals] have [played out|surfaced|stalled] in "
        "[neighbouring|nearby] {town2} and [elsewhere in|across] {county} County "
        "[over the past decade|in recent years].",
    ],
    "process": [
        "[A final|A second|The next] vote is [expected|scheduled|planned] [on|for] {date2}, "
        "[after|following] [a public comment period|a round of hearings|a legal review].",
        "[Officials|Staff] [said|indicated] [a written response|a revised plan|a full report] "
        "would be [posted|published|released] [within|in] {small} weeks.",
        "[Residents|Members of the public] can [submit|send] [comments|written objections] "
        "[until|through] {date2}, [the|a] [notice|county notice] [said|states].",
        "[The matter|The proposal|The case] now [goes|moves|passes] to [a committee|the "
        "provincial board|a state examiner], which [has|will have] {small} weeks to "
        "[respond|rule|decide].",
    ],
    "closing": [
        "[For now|In the meantime|Until then], {closing_line}",
        "[Whatever the outcome|However it ends|Either way], {closing_line}",
        "{Closing_line} [The|A] [next|follow-up] [meeting|hearing] [is|has been] set for {date2}.",
    ],
    "numbers": [
        "[By|According to] [the|a] [staff|finance|independent] [estimate|analysis|memo], "
        "[the change|the plan|the measure] would [cost|save|shift] [about|roughly|close to] "
        "${amount} million [over|across] {small} years.",
        "[About|Roughly|Nearly] {count} [households|families|people|residents] "
        "[would be|could be|are] [affected|touched|hit], [a figure|a number] that "
        "[officials|critics] [dispute|call conservative|say is rising].",
        "[That|The figure] [works out to|amounts to|equals] [about|roughly] ${per_head} "
        "[per household|a year for a typical family|per resident], [by|according to] "
        "[one|a] [council|county|independent] [calculation|estimate].",
    ],
    "quote_frame": [
        '"{q}," {who} #said#.',
        '"{q}," said {who_full}.',
        '{who_full} [put it bluntly|was direct|did not mince words]: "{q}."',
        '"{q}." [That was how|It was how] {who} [summed it up|described it|put it].',
        '[Asked about|Pressed on] [the|this] [decision|plan|ruling], {who} [said|replied]: "{q}."',
    ],
}


RULES.update(
    {
        "scene": [
            "[Outside|Inside] the [hall|building], [a few|a small group of|about {small2}] "
            "[protesters|residents] [held|carried] [signs|placards] [reading|that read] "
            '"[Listen to us|Not in our name|Keep it local|Ask first]".',
            "The [room|hall] [fell silent|went quiet] [when|as] [the|a] [clerk|chair] "
            "[read out|announced] the [result|count], [then|and then] [erupted|broke] into "
            "[scattered|loud] [applause|jeers].",
            "[Several|Some] [people|attendees] [left|walked out] [before|ahead of] the [vote|"
            "final item], [saying|complaining] [they|that they] had [work|shifts] [early|the "
            "next morning].",
            "[Coffee|Lukewarm coffee] and [a tray of|plates of] [biscuits|sandwiches] [sat|went] "
            "[untouched|mostly untouched] [at the back|by the door] as [speakers|residents] "
            "[lined up|queued] at the [microphone|lectern].",
            "[One|A] [speaker|resident] [brought|carried] a [binder|folder] of [photographs|"
            "old clippings] [going back to|dating from] {old_year}; [another|a second] [read|"
            "recited] [from|out of] a [letter|note] [written|signed] by [her|his] [neighbours|"
            "street].",
        ],
        "context": [
            "[Across|Throughout] the [province|region], [towns|municipalities] of {town}'s "
            "size [have faced|face] [the same|a similar] [squeeze|pressure]: [older|ageing] "
            "[infrastructure|populations], [thinner|shrinking] [grants|transfers] and "
            "[higher|rising] [costs|prices].",
            "[A|One] [provincial|regional] [report|review] [published|released] in "
            "{past_year} [counted|found] {count} [similar|comparable] [cases|decisions] "
            "[in|across] [small|rural] [communities|towns].",
            "[It is|This is] [the|at least the] [second|third|fourth] time [in|within] "
            "{small} years that {town} has [faced|confronted|had to settle] [such a|a similar] "
            "[question|choice].",
            "[Neighbouring|Nearby] {town2} [tried|attempted] [a similar|a comparable] "
            "[approach|fix] in {past_year} and [reversed|abandoned] it [within|after] {small} "
            "[months|years].",
        ],
        "official_more": [
            "[We|This office] [have|has] [heard|listened to] [every|each] [concern|objection], "
            "and [we|I] [take|treat] [them|each one] seriously",
            "[Our|The] [job|duty] is to [make|take] [hard|difficult] [choices|decisions] "
            "[with|using] the [facts|numbers] [in front of us|we have]",
            "[I|We] [understand|know] [people|residents] are [frustrated|angry|worried], and "
            "[I|we] [would|will] [be|feel] the same [in their place|in their shoes]",
        ],
        "expert_more": [
            "[The|These] [numbers|trends] [are|were] [not unusual|fairly typical] for a town "
            "[like|the size of] {town}",
            "[What|The thing] [matters|to watch] [most|now] is [whether|how] [the|this] "
            "[decision|plan] [holds up|survives] [the next|its first] [budget|winter]",
            "[There is|There's] [no|rarely a] [cheap|painless] [option|answer] [here|in cases "
            "like this], [only|just] [trade-offs|choices about who pays]",
            "[Communities|Towns] that [publish|share] their [data|numbers] [early|first] "
            "[tend to|usually] [have|get] [calmer|shorter] [fights|debates]",
        ],
        "resident_more": [
            "[Decisions|Choices] like this [get|are] made [in|by] [rooms|people] [far|a long "
            "way] from [the people|those] who [live with|pay for] them",
            "[All|What] we [ever|have] asked [for|of them] is a [straight|fair] [answer|hearing]",
            "[I have|I've] lived [here|in {town}] [for|over] {small2} years and [never|not "
            "once] [seen|watched] [anything|something] [like|quite like] this",
        ],
    }
)


@dataclass(frozen=True)
class Topic:
    key: str
    section: str
    tags: tuple[str, ...]
    headlines: tuple[str, ...]
    leads: tuple[str, ...]
    details: tuple[str, ...]
    quotes_for: tuple[str, ...]
    quotes_against: tuple[str, ...]
    closing_line: tuple[str, ...]
    roles: tuple[str, str, str]  # official, critic, expert


TOPICS: tuple[Topic, ...] = (
    Topic(
        "budget",
        "politics",
        ("council", "budget", "taxes"),
        (
            "{town} council [approves|passes|narrowly backs] {pct}% property tax increase",
            "[Split|Divided] {town} council [adopts|passes] budget [after|following] "
            "[marathon|late-night|heated] [session|debate]",
            "{town} budget [vote|fight] [exposes|reveals|deepens] rift over [reserves|spending]",
        ),
        (
            "The {town} City Council voted {vote} [during|at] #meeting# to [adopt|approve] a "
            "${amount} million budget that [raises|lifts] the property tax rate by {pct} percent.",
            "After [hours|nearly four hours] of [debate|public comment], {town} councillors "
            "[approved|adopted] [next year's|the {year}] spending plan {vote}, [including|with] "
            "a {pct} percent [rise|increase] in property taxes.",
        ),
        (
            "[The largest|The biggest] [single|new] [line|expense] is [road resurfacing|a new fire "
            "engine|pension contributions|the library roof], [budgeted|set] at ${small_amount} "
            "million.",
            "[Councillor|Alderman] {critic_last} [proposed|tabled] an amendment to [draw down|tap] "
            "the [reserve|rainy-day] fund instead, but it [failed|fell short] {vote2}.",
            "[Finance director|City treasurer] {expert_full} [told|warned] the council that the "
            "[reserve|contingency] fund [had fallen|has dropped] to {small} weeks of operating "
            "costs.",
            "[Several|A dozen|Many] [speakers|residents] [urged|asked] the council to "
            "[protect|spare] [the youth centre|evening bus service|the public pool] from cuts.",
            "The plan [also|additionally] [freezes|holds] [hiring|staff numbers] in [most|several] "
            "departments [and|while] [delays|postponing] [two|three] [park|street] projects.",
        ),
        (
            "We [can't|cannot] keep [patching|deferring] [roads|repairs] and pretending the bill "
            "won't come due",
            "Nobody [up here|on this council] [enjoys|likes] raising taxes, but [the alternative|"
            "the other option] was [closing|cutting] services people [rely on|use every day]",
            "[This|The] budget is [honest|realistic] about what [things cost|the town owes]",
        ),
        (
            "[Families|Seniors] on fixed incomes [are already|have been] [stretched|squeezed] thin, "
            "and this [lands|falls] on them [first|hardest]",
            "There was [money|room] in the reserves [for exactly this|to avoid this], and the "
            "council [chose|decided] not to use it",
            "[I|We] asked for [a line-by-line review|a real audit] and [got|received] a "
            "[slideshow|press release]",
        ),
        (
            "[tax bills|the new bills] [reflecting|with] the [increase|higher rate] [will|are "
            "due to] [arrive|go out] in {month}.",
            "[councillors|the council] [will|must] [revisit|review] the [reserve|fund] "
            "[policy|rules] before {month}.",
        ),
        ("Mayor", "Councillor", "Finance Director"),
    ),
    Topic(
        "clinic",
        "health",
        ("health", "clinics", "rural care"),
        (
            "{town} [clinic|health centre] to [cut|reduce] [hours|services] [amid|over] "
            "staffing [shortage|crisis]",
            "[Patients|Residents] [scramble|worry] as {town} [clinic|health centre] [closes|shuts] "
            "[weekend|overnight] [care|urgent care]",
            "{county} health board [defends|explains] [decision|plan] to [scale back|pare down] "
            "{town} clinic",
        ),
        (
            "The {county} County Health Board [said|announced] on {day} that the {town} "
            "[community clinic|health centre] will [stop|end] [weekend|overnight] urgent care "
            "[from|starting] {date2}, [citing|blaming] a shortage of [nurses|physicians].",
            "[Starting|From] {date2}, residents of {town} will have to [travel|drive] [about|"
            "roughly] {small2} kilometres to {town2} for [after-hours|weekend] care, the "
            "{county} County Health Board [confirmed|said] {day}.",
        ),
        (
            "The clinic [has operated|has run] with {small} [vacant|unfilled] nursing "
            "[positions|posts] [since|for most of] {past_year}, [board|internal] "
            "[documents|figures] show.",
            "[Ambulance|Paramedic] [crews|services] [in|across] {county} County [logged|recorded] "
            "{count} [transfers|calls] to {town2} last year, [up|a rise of] {pct} percent.",
            "[Health officer|Medical director] {expert_full} said [recruitment|hiring] "
            "[bonuses|incentives] [offered|advertised] [last spring|in the summer] drew "
            "[only|just] {small} [applicants|qualified applicants].",
            "The [board|health board] [said|insisted] [routine|weekday] [appointments|visits] "
            "[and|as well as] [vaccinations|prenatal care] [would|will] [continue|not change].",
            "[A petition|An online petition] [calling for|demanding] [a reversal|the care be "
            "kept] [had gathered|has collected] {count} signatures by {day} evening.",
        ),
        (
            "We [would|will] rather [run|offer] fewer hours safely than [keep|hold] the doors "
            "open with [one exhausted nurse|a skeleton crew]",
            "[This|The change] is [temporary|meant to be temporary], and we [are|remain] "
            "[actively|still] recruiting",
            "[Every|Each] [rural|small-town] clinic in the [province|region] is [fighting|"
            "competing] for the same [handful of|few] [nurses|clinicians]",
        ),
        (
            "[When|If] your child [spikes|runs] a fever at [midnight|two in the morning], "
            "{small2} kilometres [is|becomes] a long way",
            "[They|The board] [closed|cut] [the maternity ward|the lab] [in {past_year}|years "
            "ago] and [said|promised] the same thing",
            "[People|Families] [here|in {town}] [pay|paid] for that clinic [twice|with their "
            "taxes and their fundraising]",
        ),
        (
            "the [board|health board] [has agreed|says it will] [to report|report] monthly on "
            "[recruitment|hiring].",
            "[residents|patients] are [being told|advised] to call the [provincial|regional] "
            "health line [before|ahead of] [driving|travelling].",
        ),
        ("Health Board Chair", "patient advocate", "Medical Director"),
    ),
    Topic(
        "solar",
        "energy",
        ("energy", "solar", "utilities"),
        (
            "{megawatts}-megawatt solar [farm|array] [proposed|planned] [near|outside] {town} "
            "[divides|splits] [farmers|landowners]",
            "[Regulators|Utility board] [approve|backs] {town} solar project [despite|over] "
            "[objections|opposition]",
            "{town} [utility|power co-op] [seeks|asks for] {pct}% rate [increase|hike] to "
            "[fund|pay for] grid [upgrades|work]",
        ),
        (
            "{company} [filed|submitted] plans on {day} for a {megawatts}-megawatt solar "
            "[farm|array] on [about|roughly] {acres} hectares of [farmland|pasture] [north|"
            "south|east|west] of {town}.",
            "The {county} County [utility board|energy commission] [voted|decided] {vote} "
            "[during|at] #meeting# to [let|allow] {company} [build|proceed with] a "
            "{megawatts}-megawatt solar [farm|array] near {town}.",
        ),
        (
            "The [developer|company] [says|estimates] the [array|project] [would|will] "
            "[power|supply] [about|roughly] {count} homes and [pay|generate] ${small_amount} "
            "million in [local|county] [taxes|levies] over [its|the] {lifespan}-year "
            "[life|lease].",
            "[Some|Several] [neighbours|landowners] [worry|fear] [about|over] [glare|runoff|"
            "lost farmland|the view from their porches] and [have hired|retained] [a lawyer|"
            "an engineer].",
            "[Grid engineer|Energy analyst] {expert_full} said the [local|regional] "
            "[substation|line] [would need|needs] [upgrades|an upgrade] [costing|worth] "
            "[about|an estimated] ${small_amount} million before [it|the array] [could|can] "
            "connect.",
            "[Leases|Lease payments] [offered|proposed] to [landowners|farmers] [run|come to] "
            "[about|roughly] ${per_head} per hectare [a year|annually], [according to|by] "
            "[two|three] [people|families] who [signed|received] them.",
            "[Construction|Work] [could|would] [begin|start] [next spring|by {month}] and "
            "[employ|create] [about|up to] {small2} [temporary|construction] jobs.",
        ),
        (
            "[Sunlight|Solar] is the [one|only] crop that [does not|doesn't] need "
            "[rain|irrigation]",
            "[This|The project] keeps [money|energy dollars] in {county} County [instead of|"
            "rather than] [sending it|shipping it] [out of the province|elsewhere]",
            "We [designed|laid out] the [array|site] [around|to avoid] the [wetland|creek] "
            "and the [old orchard|homesteads]",
        ),
        (
            "[Once|When] you [cover|pave over] [good|prime] farmland, it [doesn't|does not] "
            "come back",
            "[Nobody|No one] [asked|consulted] the [people|families] who [live|have lived] "
            "next to [it|the site]",
            "[The|Those] [tax|revenue] [numbers|figures] [came|come] from the [developer|company] "
            "[itself|alone]",
        ),
        (
            "the [company|developer] [must|still has to] [secure|obtain] a [grid|"
            "interconnection] agreement.",
            "[landowners|opponents] [have|say they have] {small} weeks to [appeal|file an appeal].",
        ),
        ("Utility Board Chair", "farmer", "Energy Analyst"),
    ),
    Topic(
        "court",
        "courts",
        ("courts", "lawsuits", "public records"),
        (
            "Judge [orders|tells] {town} to [release|hand over] [records|emails] on "
            "[land deal|contract]",
            "Former {town} [treasurer|clerk] [found guilty|convicted] of [misusing|diverting] "
            "${small_amount} million",
            "[Court|Appeals panel] [sides with|rules for] residents in {town} [zoning|records] "
            "[case|lawsuit]",
        ),
        (
            "A {county} County judge [ruled|found] on {day} that {town} [must|has to] "
            "[release|disclose] [emails|records] [about|concerning] its [sale|lease] of "
            "[the old rail yard|a waterfront lot|the former mill site] to {company}.",
            "A jury in {town2} [found|returned a verdict finding] former {town} [treasurer|"
            "clerk] {official_full} guilty on {day} of [diverting|misusing] [about|roughly] "
            "${small_amount} million in public funds [over|across] {small} years.",
        ),
        (
            "Judge {expert_full} [wrote|noted] in a {small2}-page [ruling|decision] that "
            "[the town|the defence] [had|has] [offered|given] [no|little] [evidence|reason] "
            "[for|to justify] [the delay|its position].",
            "[Prosecutors|Lawyers for the residents] [told|argued to] the court that [the|"
            "these] [records|transactions] [were|had been] [hidden|kept] [in|across] "
            "[private accounts|personal email folders].",
            "[The|A] [defence|town] [lawyer|attorney], {critic_full}, said [an appeal|a further "
            "filing] was [likely|under consideration].",
            "[Sentencing|The next hearing] [is|was] [set|scheduled] for {date2} [in|at] the "
            "{county} County courthouse.",
            "[The|This] [case|lawsuit] [began|started] [when|after] [a local newspaper|"
            "a retired teacher|two neighbours] [requested|asked for] the [documents|records] "
            "in {past_year} and [was|were] [refused|turned down].",
        ),
        (
            "[Public|Taxpayer] money [comes|arrives] with [public|an obligation of] "
            "[scrutiny|accountability], and the court [agreed|saw it that way]",
            "[Today|This ruling] [is|was] about [whether|the idea that] [ordinary people|"
            "residents] can [see|check] what [is done|happens] in their name",
            "[We|My clients] [waited|spent] {small} years for [this|an answer]",
        ),
        (
            "[We|The town] [acted|have acted] [on|under] [legal advice|the advice of "
            "counsel] [at every step|throughout]",
            "[This|The verdict] [does not|doesn't] [reflect|capture] [the full picture|"
            "everything the jury should have heard]",
            "[My client|He] [never|did not] [take|keep] a [cent|single dollar] for himself",
        ),
        (
            "the [town|clerk's office] [has|was given] {small} weeks to [comply|hand over the "
            "records].",
            "[the|a] [civil|related] [suit|case] [remains|is still] [pending|open] in {town2}.",
        ),
        ("Town Solicitor", "defence lawyer", "Judge"),
    ),
    Topic(
        "river",
        "environment",
        ("environment", "water", "pollution"),
        (
            "[Dead fish|Fish kill] on {river} [prompts|triggers] [inquiry|investigation] "
            "[near|below] {town}",
            "[Tests|Samples] [find|show] [elevated|high] [nitrate|ammonia] levels in {river} "
            "[after|following] [spill|runoff]",
            "{town} [warns|advises] residents to [avoid|stay out of] {river} [after|amid] "
            "[contamination|algae] [scare|bloom]",
        ),
        (
            "[Provincial|State] environment officials [opened|began] an [inquiry|"
            "investigation] on {day} [after|when] [anglers|kayakers|residents] [reported|found] "
            "[hundreds of|dozens of] dead fish along a stretch of {river} [below|downstream of] "
            "{town}.",
            "[Water|Samples] taken from {river} [near|below] {town} [last week|on {day}] "
            "[contained|showed] [ammonia|nitrate] at [about|roughly] {small2} times the "
            "[safe|permitted] [limit|level], [officials|the environment ministry] [said|"
            "confirmed].",
        ),
        (
            "[Inspectors|Investigators] [are|were] [looking at|examining] [a feedlot|a "
            "treatment plant|a food processor] [about|roughly] {small} kilometres "
            "upstream, [which|that] [reported|disclosed] a [valve|pump|lagoon] failure "
            "[last|on] {day}.",
            "[Biologist|Ecologist] {expert_full} said [the|most of the] dead fish were "
            "[trout|suckers|minnows] and [that|said] the [die-off|kill] [appeared|seemed] to "
            "[have|be] [limited to|confined to] [a|one] {small2}-kilometre stretch.",
            "{town} [draws|takes] its drinking water from [wells|an aquifer], [not|rather than] "
            "the river, and [officials|the utility] said [tap water|it] [was|remained] safe.",
            "[Signs|Notices] [posted|put up] at [boat launches|the footbridge|the campground] "
            "[urge|ask] [people|visitors] to keep [dogs|children] out of the water "
            "[until further notice|for now].",
            "[The|That] [operator|company] [could|may] [face|be fined] [up to|as much as] "
            "${per_head} [a day|per day] [under|according to] [provincial|state] [rules|law].",
        ),
        (
            "We [want|need] [answers|results] [before|ahead of] the [spawning|summer] season, "
            "not after",
            "[Our|The] [first|immediate] [job|priority] [is|was] to stop [the source|whatever "
            "is flowing in]",
            "[Rivers|This river] [recover|can recover], but [only|not] if [the|this] "
            "[happens|keeps happening] [again and again|every spring]",
        ),
        (
            "[I|We] [reported|flagged] [that smell|the discharge] [two years ago|last summer] "
            "and [nobody|no one] [came|called back]",
            "[A fine|The penalty] is a [cost|line item] of doing business [for them|to a "
            "company that size]",
            "[Kids|My kids] [learned to swim|used to fish] [there|in that river]",
        ),
        (
            "[full|lab] results [are expected|should arrive] [by|before] {date2}.",
            "the [ministry|agency] [says|said] it [will|would] [post|publish] [updates|water "
            "readings] [weekly|online].",
        ),
        ("Environment Officer", "angler", "Biologist"),
    ),
    Topic(
        "plant",
        "economy",
        ("economy", "jobs", "manufacturing"),
        (
            "{company} to [close|shutter] {town} plant, [cutting|eliminating] {count2} jobs",
            "{town} [braces|prepares] for [loss|closure] of [its|the] [largest|biggest] employer",
            "[Workers|Union] [seek|push for] [buyer|rescue] as {company} [winds down|closes] "
            "{town} [mill|plant]",
        ),
        (
            "{company} [told|informed] [workers|employees] on {day} that it [will|would] "
            "close its {town} [plant|factory|mill] by {month}, [ending|eliminating] {count2} "
            "jobs in a town of about {pop}.",
            "[Roughly|About] {count2} [workers|employees] at {company}'s {town} [plant|mill] "
            "[learned|were told] {day} that the [site|facility] [will|would] close [in|by] "
            "{month}, [the company|a spokesperson] [confirmed|said].",
        ),
        (
            "[The|A] company [statement|release] [blamed|pointed to] [falling orders|energy "
            "costs|an ageing production line] and said [output|work] [would|will] [move|shift] "
            "to [a|its] [larger|newer] [site|plant] [abroad|in another province].",
            "[Union|Local] [representative|president] {critic_full} said [workers|members] "
            "[were|had been] [offered|promised] {small} weeks of [severance|pay] per year of "
            "service.",
            "[Economist|Labour economist] {expert_full} [estimated|calculated] that [each|every] "
            "[plant|factory] job [supports|sustains] [about|roughly] {small} [others|more] "
            "[in|across] {county} County.",
            "The [plant|mill] [opened|started operating] in {old_year} and [once employed|at its "
            "peak employed] [more than|over] {count} people.",
            "[Town|Municipal] officials [said|noted] the [site|plant] [paid|contributed] "
            "[about|roughly] ${per_head} thousand a year in [property taxes|local levies].",
        ),
        (
            "We [will|are going to] [help|work with] every [worker|employee] [find|to find] "
            "the next [job|step]",
            "[This|The decision] [was|is] [painful|hard] and [had nothing to do with|does "
            "not reflect on] the [people|workforce] in {town}",
            "[The|Our] [priority|focus] [now|is] [a buyer|finding a buyer] for the [site|building]",
        ),
        (
            "[Three|Four] generations of [my family|families on my street] [worked|clocked in] "
            "at that [plant|mill]",
            "[They|The owners] [took|collected] [the|every] [tax breaks|subsidy] and [left|"
            "walked away] anyway",
            "[You|One] [don't|can't] [retrain|rebuild] a [town|community] in {small} months",
        ),
        (
            "a [job fair|retraining centre] [will|is set to] [open|run] at [the legion hall|"
            "the community college] [on|from] {date2}.",
            "the [union|local] [is|says it is] [seeking|requesting] a meeting with [the "
            "province|provincial ministers].",
        ),
        ("Mayor", "union president", "Economist"),
    ),
    Topic(
        "schools",
        "education",
        ("schools", "education", "school board"),
        (
            "{county} school board [votes|moves] to [merge|consolidate] {town} [schools|"
            "elementary schools]",
            "[Parents|Families] [pack|fill] [hearing|meeting] on [closing|merging] {town} "
            "[school|schools]",
            "{town} [school|schools] [plan|proposal] [would|could] [bus|send] [pupils|students] "
            "to {town2}",
        ),
        (
            "The {county} County school board voted {vote} [during|at] #meeting# to [merge|"
            "combine] [two|the two] {town} elementary schools [into one|under one roof] "
            "[starting|from] [next|the {year}] school year.",
            "[More than|Over] {small2}0 parents [crowded|filled] [the|a] [gym|school library] "
            "in {town} on {day} to [oppose|question] a plan to [close|shut] [one of|the "
            "smaller of] the town's [two|three] schools.",
        ),
        (
            "[Enrolment|The number of pupils] at [the smaller|the older] school has [fallen|"
            "dropped] to {count} from [about|more than] {count2} [a decade ago|in {old_year}], "
            "[district|board] figures show.",
            "[Superintendent|Board chair] {official_full} said [the|a] [merger|consolidation] "
            "would [save|free up] [about|roughly] ${small_amount} million [a year|annually] "
            "[for|to spend on] [teachers|classrooms].",
            "[Some|Several] [parents|families] [said|worried] [bus rides|commutes] [would|could] "
            "[stretch|grow] to {small2} minutes [each way|in each direction].",
            "[Education consultant|Former principal] {expert_full} said [smaller|rural] "
            "[schools|classrooms] [often|tend to] [post|have] [better|stronger] [attendance|"
            "graduation] [rates|figures].",
            "[The|A] [school|building] [needs|would need] [a new roof|boiler work|accessibility "
            "upgrades] [estimated|priced] at ${small_amount} million, [a report|an assessment] "
            "[found|said].",
        ),
        (
            "[Keeping|Running] [two|half-empty] buildings [open|going] [means|costs] [fewer|"
            "less] teachers in [front of|the] [children|classroom]",
            "[Nobody|No trustee] [ran|stood] for this board [wanting|hoping] to close a school",
            "[The|Our] [numbers|enrolment figures] [simply|just] [do not|don't] [support|"
            "justify] two schools",
        ),
        (
            "[That|This] school [is|has been] the [heart|centre] of [our|the] "
            "[neighbourhood|town] [for|since] [a century|{old_year}]",
            "[They|The board] [decided|made up their minds] [before|long before] [anyone|"
            "a single parent] [spoke|stood up]",
            "[My|Our] [daughter|son] [is|would be] [six|seven]; [an hour|forty minutes] on a "
            "bus [is|would be] [too long|not acceptable]",
        ),
        (
            "[parents|families] [will|are to] [receive|get] [letters|details] about "
            "[bus routes|the transition] by {month}.",
            "[opponents|a parents' group] [plan|say they plan] to [ask|petition] the "
            "[province|ministry] for a review.",
        ),
        ("Superintendent", "parent", "Education Consultant"),
    ),
    Topic(
        "housing",
        "housing",
        ("housing", "rent", "zoning"),
        (
            "Rents in {town} [up|rise] {pct}% [in a year|since last spring], [survey|report] "
            "[finds|shows]",
            "{town} [rezoning|zoning change] [would allow|opens door to] [apartments|"
            "townhouses] on [main street|old mill land]",
            "[Tenants|Renters] [push|call] for [rent|eviction] [rules|protections] in {town}",
        ),
        (
            "Average rent for a two-bedroom [flat|apartment] in {town} [rose|climbed] {pct} "
            "percent [over the past year|in twelve months] to ${rent} a month, [according to|"
            "by the count of] [a survey|a report] [released|published] {day}.",
            "{town} [planners|councillors] [proposed|unveiled] on {day} a [zoning|rezoning] "
            "[change|plan] that [would|could] [allow|permit] [about|up to] {count} new "
            "[apartments|homes] [on|across] [the former|vacant] [mill|rail] land.",
        ),
        (
            "[The|That] [vacancy|rental vacancy] rate [stood|sits] at [under|below] {small} "
            "percent, [far|well] [below|under] the {small2} percent [considered|seen as] "
            "[healthy|balanced] [by|among] [planners|economists].",
            "[Housing researcher|Planner] {expert_full} said [wages|incomes] in {county} "
            "County [have|had] [risen|grown] [only|just] {small} percent over the same "
            "[period|stretch].",
            "[Landlord|Property owner] {critic_full} [said|argued] that [insurance|heating] "
            "and [tax|repair] [costs|bills] [had|have] [pushed|forced] [rents|prices] up.",
            "[The|A] [waiting list|waitlist] for [social|subsidised] housing [in|across] the "
            "county [reached|hit] {count} [households|families] [this|last] [month|autumn].",
            "[The|This] [proposal|plan] [would|could] [also|additionally] [cut|reduce] "
            "[parking|lot-size] [minimums|requirements] [near|along] the [bus line|main "
            "street].",
        ),
        (
            "[If|When] [teachers|nurses] [cannot|can't] afford to [live|rent] here, "
            "[every|the whole] town [loses|suffers]",
            "We [need|want] [homes|housing] [people|workers] [can|are able to] [actually|"
            "really] [afford|pay for]",
            "[More|New] [supply|housing] [is|remains] the [only|surest] [lasting|real] "
            "[fix|answer]",
        ),
        (
            "[Nobody|No one] [moved|came] here [to|wanting to] live [next to|beside] a "
            "[five-storey|four-storey] [block|building]",
            "[Rules|Controls] like [that|these] [drive|push] [small|local] landlords [out|to sell]",
            "[They|The planners] [keep|are] [promising|calling it] [affordable|attainable] "
            "[without|but never] [saying|defining] [for whom|what that means]",
        ),
        (
            "[a public hearing|an open house] on the [plan|proposal] [is|has been] "
            "[set|scheduled] for {date2}.",
            "[tenants|a renters' group] [plan|intend] to [present|bring] [a petition|"
            "survey results] to council [in|by] {month}.",
        ),
        ("Planning Chair", "landlord", "Housing Researcher"),
    ),
)

TITLE_TAKES = ("{title}", "{title}", "{title}")
NEWSROOM = (
    "the {paper}",
    "the {paper}'s newsroom",
)
COMMENT_LINES = (
    "[Officials|Those in charge] [will|may] [say|argue] that [the|this] [timetable|schedule] "
    "[left|gave] them [no|little] [room|choice]; [timetables|schedules] are [set|written] by "
    "[people|someone], and [they|those people] [can|could] [be asked|explain] why.",
    "[Money|Cost] is [only|just] [part|half] of [it|the story]. [The|A] [harder|deeper] "
    "[question|problem] is [who|which voices] [gets|get] [heard|a say] [before|ahead of] "
    "the [numbers|figures] [are|have been] [fixed|settled].",
    "[There is|There's] a [familiar|tired] [script|routine] [here|to this]: [a crisis|an "
    "emergency] [is|gets] [announced|declared], [options|alternatives] [narrow|shrink], "
    "and [residents|the public] [are|get] [told|informed] [after the fact|at the end].",
    "[Critics|Some readers] [will|may] [call|find] [this|that] [unfair|too harsh]. [Fair "
    "enough|Perhaps]; [the|our] [inbox|letters page] is [open|always open], and [we|this "
    "page] [print|publish] [replies|disagreement] [in full|gladly].",
    "[Small|Local] [newsrooms|papers] [like|such as] [ours|this one] [exist|are here] "
    "[for|to do] [exactly|precisely] this [kind of|sort of] [work|scrutiny], [and|but] "
    "[we|they] [cannot|can't] [do|manage] it [alone|without readers].",
    "[It is tempting|It would be easy] to [read|treat] [the {town} story|the news from "
    "{town}] as [a local squabble|one town's problem], but [it|the pattern] [is|runs] "
    "[wider|deeper] than that.",
    "[Consider|Look at] [how|the way] the [decision|matter] was [framed|presented] to "
    "[the public|residents]: [a short notice|a late agenda item], [little|scant] data, "
    "[and|then] a vote.",
    "[Our|This] [newsroom|column] has [argued|said] [before|for years] that [small|rural] "
    "[communities|towns] [deserve|are owed] [plain|straight] answers [when|whenever] "
    "[public|shared] [money|resources] [is|are] at stake.",
    "[The|That] [report|account] from {wire} [lays out|sets down] the [facts|basics] "
    "[clearly|plainly]; [what it cannot|what no report can] [do|show] is [explain|say] "
    "why [nobody|no official] [saw|flagged] [it|this] [sooner|earlier].",
    "[Here|This] is [where|the point at which] [readers|voters] [in {our_town}|here] "
    "[should|ought to] [pay|start paying] attention: [the same|similar] [pressures|forces] "
    "[are|sit] [on|at] our [doorstep|own council table].",
    "[None of this|Nothing here] [means|suggests] [anyone|an official] [acted|behaved] in "
    "bad faith. [It|What it] [means|shows] [is|is that] [the|our] [systems|habits] "
    "[for|of] [oversight|public review] [have|had] [thinned|worn thin].",
    "[A better|A sounder] [approach|process] [would|might] [start|begin] [with|by] "
    "[publishing|posting] the [numbers|figures] [first|early] and [asking|inviting] "
    "[questions|objections] [before|ahead of] [the vote|any decision].",
    "[We|This page] will [keep|be] [following|watching] [it|the story], and [we|readers] "
    "[should|can] [expect|demand] [more|better] [from|of] [those|the people] [who|that] "
    "[govern|represent] [us|them].",
    "[Ask|Talk to] [anyone|people] [at|outside] [the|a] [market|post office] in "
    "{our_town} and [you will|you'll] [hear|get] [a version|some version] of the same "
    "[worry|complaint]: [decisions|choices] [arrive|land] [finished|already made].",
)
NOTE_LINES = (
    "[Several|A number of] [readers|members] [noticed|pointed out] that [our|the] [site|"
    "archive] [was|ran] [slow|sluggish] [last|this] week; [the|our] [volunteer|part-time] "
    "[developer|technician] [has|says she has] [moved|migrated] it to [a new|a sturdier] "
    "[server|host].",
    "[We|The review] [do|does] not [accept|take] [advertising|corporate money], which "
    "[is|remains] why [small|monthly] [donations|gifts] [matter|count] [so much|more than "
    "ever] [to|for] [us|the desk].",
    "[Writers|Contributors] [who|that] [wish|want] to [pitch|propose] [a piece|an essay] "
    "[should|can] [write|send a note] to the [editors|desk] with [a short summary|three or "
    "four lines] and [links|a link] to [earlier|past] work.",
    "[Our|The] [reading group|discussion circle] in {town} [meets|will meet] [again|next] "
    "on {day}; [newcomers|first-timers] are [welcome|invited] and [no|little] [preparation|"
    "reading] is [needed|expected].",
    "[This week|Over the weekend] [our|the] [editors|research desk] [added|published] "
    "[a reading list|an explainer|a short dossier] [on|about] {subject}.",
    "[Readers|Subscribers] [asked|wrote in to ask] [whether|how] [we|the review] "
    "[choose|select] the [pieces|articles] we [republish|carry]; [the answer|our answer] "
    "[is|comes down to] [reach|relevance] and [the author's|an author's] consent.",
    "[A reminder|As a reminder]: [letters|replies] [to the editor|from readers] [are|"
    "remain] [welcome|open] and [we|the desk] [read|review] [each one|all of them].",
    "[Our|The] [autumn|winter] [fundraising|membership] [drive|appeal] [has|had] "
    "[reached|passed] {pct} percent of its [goal|target] by {day}.",
    "[Next|In the coming] week [we|the review] [will|plans to] [feature|run] [a series|"
    "essays] [on|about] {subject} [from|by] [independent|local] [writers|reporters].",
    "[Thanks|Our thanks] [go|goes] to [the|our] {count} [readers|members] who [sent|shared] "
    "[tips|documents|corrections] [last|this] [month|week].",
    "[Corrections|A correction]: [an earlier|a previous] [note|digest] [misstated|got "
    "wrong] the [date|venue] of [a|the] [hearing|talk] in {town}; [it|the event] [is|"
    "takes place] on {date2}.",
)
SUBJECTS = (
    "[rural|regional] [clinics|health care]",
    "[water|river] [quality|protection]",
    "[public|open] records",
    "[local|municipal] budgets",
    "[community|local] energy",
)
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
]
RIVERS = ["the [Sallow|Brennan|Corrie|Wend|Tillet|Maddock|Osier|Fennel] River"]


def fix_articles(text: str) -> str:
    """'a independent' -> 'an independent' after templates were filled."""
    return re.sub(r"\b([Aa]) (?=[aeiouAEIOU])", lambda m: m.group(1) + "n ", text)


class Writer:
    """Writes pieces from a seeded random generator; the same seed gives the same text."""

    _alt = re.compile(r"\[([^\[\]]*)\]")
    _rule = re.compile(r"#(\w+)#")
    _slot = re.compile(r"\{(\w+)\}")

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self._people: set[str] = set()
        self._towns: set[str] = set()

    # -- entities -------------------------------------------------------------------------
    def _unused(self, used: set[str], space: int, make) -> str:
        """A name not used before; once most of the `space` names are used, names come round
        again (a large web would otherwise wait forever for a fresh one)."""
        if len(used) >= space * 3 // 4:
            used.clear()
        while True:
            name = make()
            if name not in used:
                used.add(name)
                return name

    def person(self) -> str:
        return self._unused(
            self._people,
            len(FIRST) * len(LAST),
            lambda: f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}",
        )

    def people(self, n: int) -> list[str]:
        """n new people with different surnames (so a piece never confuses two of them)."""
        while True:
            names = [self.person() for _ in range(n)]
            if len({name.split()[1] for name in names}) == n:
                return names

    def town(self) -> str:
        return self._unused(
            self._towns,
            len(TOWN_A) * len(TOWN_B),
            lambda: self.rng.choice(TOWN_A) + self.rng.choice(TOWN_B),
        )

    def context(self, topic: Topic, paper: str) -> dict[str, str]:
        r = self.rng
        official, critic, expert = self.people(3)
        ayes = r.randint(4, 7)
        ctx = {
            "town": self.town(),
            "town2": self.town(),
            "county": r.choice(COUNTIES),
            "paper": paper,
            "day": r.choice(WEEKDAYS),
            "date2": f"{r.choice(('December', 'January'))} {r.randint(2, 28)}",
            "month": r.choice(MONTHS),
            "year": "2027",
            "past_year": str(r.randint(2014, 2023)),
            "old_year": str(r.randint(1948, 1989)),
            "pct": str(r.choice((3, 4, 6, 7, 9, 11, 12, 14, 17, 18, 22, 23))),
            "small": str(r.randint(2, 9)),
            "small2": str(r.randint(12, 95)),
            "amount": f"{r.randint(3, 140)}.{r.randint(1, 9)}",
            "small_amount": f"{r.randint(1, 9)}.{r.randint(1, 9)}",
            "count": f"{r.randint(120, 9800):,}",
            "count2": str(r.randint(60, 900)),
            "pop": f"{r.randint(3, 48) * 1000 + r.randint(1, 9) * 100:,}",
            "per_head": str(r.randint(40, 950)),
            "rent": f"{r.randint(9, 24) * 100 + r.choice((0, 25, 50, 75)):,}",
            "megawatts": str(r.randint(12, 180)),
            "acres": str(r.randint(40, 600)),
            "lifespan": str(r.choice((25, 30, 35, 40))),
            "vote": f"{ayes}-{r.randint(1, ayes - 1)}",
            "vote2": f"{r.randint(2, 4)}-{r.randint(5, 7)}",
            "company": r.choice(LAST) + " " + r.choice(("Renewables", "Holdings", "Industries")),
            "river": self.expand(r.choice(RIVERS), {}),
            "official_full": f"{topic.roles[0]} {official}",
            "official_last": official.split()[1],
            "critic_full": critic,
            "critic_last": critic.split()[1],
            "expert_full": expert,
            "expert_last": expert.split()[1],
        }
        if topic.key == "plant":
            ctx["company"] = r.choice(LAST) + " " + r.choice(("Mills", "Foods", "Plastics"))
        ctx["closing_line"] = self.expand(r.choice(topic.closing_line), ctx)
        ctx["Closing_line"] = ctx["closing_line"][0].upper() + ctx["closing_line"][1:]
        return ctx

    # -- grammar --------------------------------------------------------------------------
    def expand(self, template: str, ctx: dict[str, str]) -> str:
        text = template
        while "[" in text:
            text = self._alt.sub(lambda m: self.rng.choice(m.group(1).split("|")), text)
        text = self._rule.sub(lambda m: self.expand(self.rng.choice(RULES[m.group(1)]), ctx), text)
        return self._slot.sub(lambda m: self._fill(m.group(1), ctx), text)

    def _fill(self, slot: str, ctx: dict[str, str]) -> str:
        """A slot's value; counts and small numbers are drawn afresh each time they appear."""
        r = self.rng
        fresh = {
            "count": lambda: f"{r.randint(120, 9800):,}",
            "small": lambda: str(r.randint(2, 9)),
            "small2": lambda: str(r.randint(12, 95)),
            "per_head": lambda: str(r.randint(40, 950)),
        }
        if slot in fresh and slot in ctx:
            return fresh[slot]()
        return ctx.get(slot, "{" + slot + "}")

    def _quote(
        self, body: str, who: str, who_full: str, ctx: dict[str, str], first: bool = False
    ) -> str:
        q = self.expand(body, ctx)
        frames = RULES["quote_frame"]
        if first:  # a person's first appearance names them in full
            frames = [f for f in frames if "{who_full}" in f]
        if "," in who_full:  # an appositive must end the sentence
            frames = [f for f in frames if "said {who_full}." in f or "{who_full}" not in f]
        frame = self.rng.choice(frames)
        frame = frame.replace("{who_full}", who_full).replace("{who}", who)
        return self.expand(frame, ctx).replace("{q}", q)

    def _sentences(self, pool: tuple[str, ...] | list[str], k: int, ctx: dict) -> list[str]:
        picks = self.rng.sample(list(pool), min(k, len(pool)))
        return [self.expand(t, ctx) for t in picks]

    # -- pieces ---------------------------------------------------------------------------
    def news(self, paper: str, *, topic: Topic | None = None, words=(360, 880)) -> Draft:
        """An original news piece of 6-14 paragraphs, retried until its length is in range."""
        topic = topic or self.rng.choice(TOPICS)
        for _ in range(50):
            ctx = self.context(topic, paper)
            draft = self._news_once(topic, ctx)
            if words[0] <= draft.words <= words[1] and 6 <= len(draft.paragraphs) <= 14:
                return draft
        raise RuntimeError("writer could not hit the length target")  # pragma: no cover

    def _news_once(self, topic: Topic, ctx: dict[str, str]) -> Draft:
        r = self.rng
        official = ctx["official_full"]
        off_last = ctx["official_last"]
        role_critic = topic.roles[1]
        critic = f"{ctx['critic_full']}, a {role_critic} [from|in] {ctx['town']}"
        expert = f"{topic.roles[2].lower()} {ctx['expert_full']}"
        resident = self.people(1)[0]
        resident_full = self.expand(f"{resident}, [who lives|a resident] [near|in] {{town}}", ctx)
        more = self._sentences(RULES["context"], 4, ctx)
        details = self._sentences(topic.details, len(topic.details), ctx)
        backgrounds = self._sentences(RULES["background"], 3, ctx)
        paras: list[str] = [self.expand(r.choice(topic.leads), ctx)]
        paras.append(
            self._quote(r.choice(topic.quotes_for), official, official, ctx, True)
            + " "
            + details[0]
        )
        paras.append(" ".join(details[1:2] + more[:1]))
        critic_q = self._quote(
            r.choice(topic.quotes_against), ctx["critic_last"], critic, ctx, first=True
        )
        paras.append(" ".join([critic_q] + self._sentences(RULES["numbers"], 1, ctx)))
        paras.append(" ".join(self._sentences(RULES["scene"], 2, ctx)))
        paras.append(" ".join(backgrounds[:2]))
        paras.append(" ".join(details[2:4]))
        paras.append(
            self._quote(r.choice(RULES["official_more"]), off_last, official, ctx)
            + " "
            + self._sentences(RULES["numbers"], 1, ctx)[0]
        )
        paras.append(" ".join(details[4:] + backgrounds[2:] + more[1:2]))
        if r.random() < 0.85:
            paras.append(
                self._quote(r.choice(RULES["expert_more"]), ctx["expert_last"], expert, ctx)
                + " "
                + more[2]
            )
        if r.random() < 0.75:
            paras.append(
                self._quote(
                    r.choice(RULES["resident_more"]), resident.split()[1], resident_full, ctx, True
                )  # fmt: skip
            )
        if r.random() < 0.6:
            paras.append(more[3])
        paras.append(" ".join(self._sentences(RULES["process"], 2, ctx)))
        paras.append(self.expand(r.choice(RULES["closing"]), ctx))
        paras = [fix_articles(p) for p in paras if p.strip()]
        title = self.expand(r.choice(topic.headlines), ctx)
        title = title[0].upper() + title[1:]
        tags = list(r.sample(topic.tags, 2)) + [ctx["town"]]
        return Draft(title, paras, topic.key, topic.section, tags, self.person(), ctx["town"], ctx)

    def follow_up(self, earlier: Draft, reuse: int = 3) -> tuple[Draft, list[int]]:
        """A later, new story on the same events that reuses `reuse` background paragraphs."""
        topic = next(t for t in TOPICS if t.key == earlier.topic)
        ctx = dict(earlier.ctx)
        ctx.update(self.context(topic, ctx["paper"]))
        for key in ("town", "county", "official_full", "official_last", "company", "river"):
            ctx[key] = earlier.ctx[key]
        fresh = self._news_once(topic, ctx)
        picked = sorted(self.rng.sample(range(2, len(earlier.paragraphs) - 1), reuse))
        paras = fresh.paragraphs[:3] + [earlier.paragraphs[i] for i in picked]
        paras += fresh.paragraphs[3:]
        paras = paras[:14]
        title = self.expand(
            "[Update|Follow-up|What happens next]: " + self.rng.choice(topic.headlines), ctx
        )
        draft = Draft(title, paras, topic.key, topic.section, earlier.tags, earlier.author,
                      ctx["town"], ctx)  # fmt: skip
        return draft, picked

    def commentary(
        self, paper: str, wire: Draft, wire_name: str, middle: bool = False
    ) -> tuple[Draft, list[int]]:
        """An opinion piece that quotes two paragraphs of `wire` and is otherwise its own: two
        of its first four paragraphs, or with `middle` two from its middle, the first of them
        opening the piece."""
        ctx = dict(wire.ctx)
        ctx.update({"wire": wire_name, "paper": paper, "our_town": self.town()})
        for _ in range(50):
            lines = self._sentences(COMMENT_LINES, len(COMMENT_LINES), ctx)
            lines += self._sentences(RULES["context"], 3, ctx)
            self.rng.shuffle(lines)
            own = [" ".join(lines[i : i + 2]) for i in range(0, len(lines), 2)]
            own = [fix_articles(p) for p in own]
            if middle:
                half = len(wire.paragraphs) // 2
                quoted = [half - 1, half + 1]
                paras = [wire.paragraphs[quoted[0]]] + own[:2] + [wire.paragraphs[quoted[1]]]
                paras += own[2:]
            else:
                quoted = sorted(self.rng.sample(range(0, 4), 2))
                paras = own[:2] + [wire.paragraphs[quoted[0]]] + own[2:3]
                paras += [wire.paragraphs[quoted[1]]] + own[3:]
            words = sum(len(p.split()) for p in paras)
            if 350 <= words <= 900:
                break
        title = self.expand(
            "[Opinion|Comment|Column]: [What|The lesson] {town} [tells|teaches] us about "
            "[trust|oversight|ourselves]",
            ctx,
        )
        return (
            Draft(
                title,
                paras,
                "commentary",
                "opinion",
                ["opinion", ctx["town"]],
                self.person(),
                ctx["our_town"],
                ctx,
            ),  # fmt: skip
            quoted,
        )

    def digest(self, paper: str, pieces: list[tuple[Draft, str, int]]) -> Draft:
        """A roundup quoting the opening paragraphs of other pieces: (draft, outlet name, how
        many paragraphs) each, with a line before and after each quotation."""
        ctx = {"paper": paper, "day": self.rng.choice(WEEKDAYS), "town": pieces[0][0].town}
        paras = [
            self.expand(
                "[Good morning|Morning, all]. [Here is|This is] [what you need to know|the news "
                "worth your time] [this {day}|today], [gathered|picked] from [around the "
                "valley|the local press] by the {paper} [desk|team].",
                ctx,
            )
        ]
        for draft, outlet, opening in pieces:
            paras.append(self.expand(f"[From|Over at] the {outlet}: {draft.title}.", ctx))
            paras += draft.paragraphs[:opening]
            paras.append(f"The rest of this story is on the {outlet} website.")
        title = self.expand(
            "[Morning digest|The daily roundup|Today in brief]: {town} and more", ctx
        )
        return Draft(
            title, paras, "digest", "roundup", ["roundup"], self.person(), ctx["town"], ctx
        )

    def brief(self, paper: str) -> Draft:
        """A wire brief of 55-90 words in three paragraphs: the lead of a news piece and facts
        from it, one sentence each (no quotes)."""
        for _ in range(50):
            draft = self.news(paper)
            sentences = [
                s
                for p in draft.paragraphs[1:]
                for s in re.split(r"(?<=\.) (?=[A-Z])", p)
                if '"' not in s and len(s.split()) >= 8
            ]
            paras = [draft.paragraphs[0], *sentences[:2]]
            words = sum(len(p.split()) for p in paras)
            if len(paras) == 3 and 55 <= words <= 90:
                return Draft(draft.title, paras, draft.topic, draft.section, draft.tags,
                             draft.author, draft.town, draft.ctx)  # fmt: skip
        raise RuntimeError("writer could not hit the length target")  # pragma: no cover

    def note(self, paper: str) -> Draft:
        """A short editor's note of 120-250 words (the kind a publisher posts between pieces)."""
        for _ in range(50):
            ctx = {"paper": paper, "town": self.town(), "day": self.rng.choice(WEEKDAYS)}
            ctx.update(
                {"pct": str(self.rng.randint(31, 88)), "count": str(self.rng.randint(9, 90))}
            )
            ctx["date2"] = f"December {self.rng.randint(2, 20)}"
            ctx["subject"] = self.expand(self.rng.choice(SUBJECTS), ctx)
            lines = self._sentences(NOTE_LINES, self.rng.randint(7, 10), ctx)
            paras = [" ".join(lines[i : i + 2]) for i in range(0, len(lines), 2)]
            words = sum(len(p.split()) for p in paras)
            if 120 <= words <= 250:
                break
        title = self.expand(
            "[Editor's note|From the desk|Notes to readers]: [on|about] {subject}", ctx
        )
        return Draft(title, paras, "note", "notes", ["notes"], self.person(), ctx["town"], ctx)

    # -- edits for copies -----------------------------------------------------------------
    def retitle(self, title: str) -> str:
        """A copy editor's rewrite of a headline."""
        r = self.rng
        words = title.split()
        style = r.randint(0, 2)
        if style == 0:
            return r.choice(("REPORT: ", "Breaking: ", "Must read: ", "Watch: ")) + title
        if style == 1:
            return " ".join(w.capitalize() if len(w) > 3 else w for w in words)
        return title.rstrip(".") + r.choice((" - local officials respond", " (updated)", "?"))

    def new_lead(self, draft: Draft) -> str:
        """A rewritten first sentence for a copy (same facts, different words)."""
        topic = next((t for t in TOPICS if t.key == draft.topic), None)
        first = draft.paragraphs[0]
        rest = first.split(". ", 1)[1] if ". " in first else ""
        if topic is None:
            intro = self.expand(
                "[In a|In this] [pointed|sharp|thoughtful] [piece|column], [the author|the "
                "writer] [asks|considers] what {town} [means|signals] for [everyone|others].",
                draft.ctx,
            )
        else:
            intro = self.expand(self.rng.choice(topic.leads), draft.ctx)
        return (intro + " " + rest).strip()

    def extra_paragraph(self, draft: Draft) -> str:
        """A paragraph an aggregator adds (context it wrote itself)."""
        return self.expand(
            "[For context|Some background|Worth knowing]: [this|the] [story|report] [follows|"
            "comes after] [weeks|months] of [debate|argument] in {town}, [where|and] "
            "[residents|locals] [have|had] [packed|filled] [meetings|hearings] [since|through] "
            "[the summer|the spring|{past_year}].",
            draft.ctx,
        )

    def typo(self, text: str) -> tuple[str, str, str]:
        """Swap two letters in one longer word; returns (new text, typo word, right word)."""
        words = [w for w in re.findall(r"[a-z]{7,}", text)]
        word = self.rng.choice(words)
        i = self.rng.randrange(1, len(word) - 2)
        wrong = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        return re.sub(rf"\b{word}\b", wrong, text, count=1), wrong, word
