"""Word lists the de-identification engine uses: none of them holds anyone's data.

They are deliberately general (common English given names, kinship words, clinical eponyms,
psychiatric medicines), written for this module and not drawn from the benchmark corpus, whose
generator keeps its own lists (benchmarks/deid_corpus.py) and a held-out split with others.
"""

from __future__ import annotations

# Given names that are also ordinary English words: matched only when capitalised, and never
# when the capitalised word starts a sentence and is followed by a verb-like word ("Will you").
WORD_NAMES = frozenset([
    "hope", "will", "joy", "rose", "summer", "faith", "grace", "dawn", "may", "june", "april", "august", "mark",
    "bill", "bob", "sue", "pat", "art", "rich", "frank", "max", "sky", "river", "autumn", "hunter", "chase",
    "crystal", "amber", "ruby", "olive", "iris", "ivy", "lily", "daisy", "holly", "heather", "jade", "pearl",
    "sunny", "honey", "charity", "patience", "harmony", "destiny", "melody", "trinity", "angel", "christian",
    "rowan", "sage", "reed", "drew", "gene", "guy", "carol", "robin", "jay", "wren", "dale", "glen", "cliff",
    "brook", "lane", "dusty", "rusty", "misty", "skye", "storm", "rain", "sandy", "penny"
])

# Common given names (a general list, about 300), for generic mode, where no record says who is who.
GIVEN_NAMES = frozenset([
    "james", "john", "robert", "michael", "william", "david", "richard", "joseph", "thomas", "charles",
    "christopher", "daniel", "matthew", "anthony", "donald", "steven", "paul", "andrew", "joshua", "kenneth",
    "kevin", "brian", "george", "edward", "ronald", "timothy", "jason", "jeffrey", "ryan", "jacob", "gary",
    "nicholas", "eric", "jonathan", "stephen", "larry", "justin", "scott", "brandon", "benjamin", "samuel", "frank",
    "gregory", "raymond", "alexander", "patrick", "jack", "dennis", "jerry", "tyler", "aaron", "jose", "adam",
    "henry", "nathan", "douglas", "zachary", "peter", "kyle", "walter", "ethan", "jeremy", "harold", "keith",
    "christian", "roger", "noah", "gerald", "carl", "terry", "sean", "austin", "arthur", "lawrence", "jesse",
    "dylan", "bryan", "joe", "jordan", "billy", "bruce", "albert", "willie", "gabriel", "logan", "alan", "juan",
    "wayne", "roy", "ralph", "randy", "eugene", "vincent", "russell", "elijah", "louis", "bobby", "philip",
    "johnny", "mary", "patricia", "jennifer", "linda", "elizabeth", "barbara", "susan", "jessica", "sarah", "karen",
    "nancy", "lisa", "betty", "margaret", "sandra", "ashley", "kimberly", "emily", "donna", "michelle", "dorothy",
    "carol", "amanda", "melissa", "deborah", "stephanie", "rebecca", "sharon", "laura", "cynthia", "kathleen",
    "amy", "shirley", "angela", "helen", "anna", "brenda", "pamela", "nicole", "emma", "samantha", "katherine",
    "christine", "debra", "rachel", "catherine", "carolyn", "janet", "ruth", "maria", "heather", "diane",
    "virginia", "julie", "joyce", "victoria", "olivia", "kelly", "christina", "lauren", "joan", "evelyn", "judith",
    "megan", "cheryl", "andrea", "hannah", "martha", "jacqueline", "frances", "gloria", "ann", "teresa", "kathryn",
    "sara", "janice", "jean", "alice", "madison", "doris", "abigail", "julia", "judy", "grace", "denise", "amber",
    "marilyn", "beverly", "danielle", "theresa", "sophia", "marie", "diana", "brittany", "natalie", "isabella",
    "charlotte", "rose", "alexis", "kayla", "liam", "mason", "lucas", "oliver", "elijah", "aiden", "jackson",
    "sebastian", "mateo", "owen", "wyatt", "luke", "grayson", "levi", "isaac", "leo", "lincoln", "jaxon", "asher",
    "caleb", "ezra", "hudson", "miles", "nolan", "evan", "cooper", "ava", "mia", "amelia", "harper", "ella",
    "avery", "scarlett", "chloe", "zoey", "layla", "riley", "nora", "lily", "eleanor", "hazel", "violet", "aurora",
    "savannah", "audrey", "brooklyn", "bella", "claire", "skylar", "lucy", "paisley", "everly", "caroline", "nova",
    "genesis", "emilia", "kennedy", "maya", "willow", "kinsley", "naomi", "aaliyah", "elena", "ariana", "ruby",
    "serenity", "autumn", "quinn", "piper", "ivy", "josie", "sadie", "madelyn", "luna", "stella", "zoe", "tom",
    "tommy", "mike", "mikey", "jim", "jimmy", "jen", "jenny", "liz", "lizzie", "beth", "becky", "kate", "katie",
    "kat", "sam", "sammy", "alex", "ben", "benny", "danny", "dan", "nick", "nicky", "matt", "chris", "chrissy",
    "steve", "stevie", "tony", "tess", "tessa", "meg", "maggie", "molly", "nate", "jake", "jessie", "rob", "robbie",
    "bobby", "bert", "ed", "eddie", "ted", "teddy", "charlie", "chuck", "hank", "harry", "larry", "gabe", "zach",
    "zack", "andy", "drew", "nan"
])

# Clinical words that look like names: eponyms, scales and schools, never a person in a note.
EPONYMS = frozenset([
    "asperger", "asperger's", "aspergers", "tourette", "tourette's", "tourettes", "hodgkin", "hodgkin's",
    "alzheimer", "alzheimer's", "parkinson", "parkinson's", "huntington", "huntington's", "crohn", "crohn's",
    "cushing", "cushing's", "addison", "addison's", "graves", "hashimoto", "hashimoto's", "korsakoff", "wernicke",
    "munchausen", "capgras", "ganser", "rett", "klinefelter", "marfan", "lyme", "raynaud", "meniere", "stockholm",
    "beck", "hamilton", "likert", "freud", "freudian", "jung", "jungian", "rogers", "rogerian", "linehan", "yalom",
    "bowlby", "piaget", "erikson", "maslow", "socratic", "rorschach", "wechsler", "conners", "vanderbilt",
    "epworth", "apgar", "heimlich", "ehlers", "danlos", "tay", "sachs", "kübler", "kubler", "ross", "bell's",
    "fragile", "cotard", "fregoli", "diogenes", "prader", "willi", "angelman", "gottman", "satir", "minuchin",
    "ellis", "skinner", "pavlov", "bandura", "kohut", "winnicott", "klein", "adler", "frankl"
])

# Eponyms that are also common surnames or places: clinical only before a head word ("Down syndrome",
# "Turner syndrome", "Glasgow Coma Scale"), a person or a place otherwise.
HEAD_ONLY_EPONYMS = frozenset([
    "down", "turner", "williams", "graves", "rett", "bell", "glasgow", "hamilton", "beck", "ellis", "klein",
    "adler", "rogers", "skinner"
])

# Words after which an eponym is clinical, not a person ("Turner syndrome", "Down syndrome").
EPONYM_HEADS = frozenset([
    "syndrome", "disorder", "disease", "lymphoma", "palsy", "chorea", "scale", "inventory", "test", "criteria",
    "type", "method", "therapy", "model", "technique", "approach", "coma", "rating"
])

# Medicines and other capitalised clinical words that are not identifiers.
CLINICAL_WORDS = frozenset([
    "zoloft", "lexapro", "prozac", "paxil", "celexa", "wellbutrin", "effexor", "cymbalta", "pristiq", "remeron",
    "trazodone", "buspar", "xanax", "ativan", "klonopin", "valium", "adderall", "ritalin", "concerta", "vyvanse",
    "strattera", "abilify", "seroquel", "zyprexa", "risperdal", "latuda", "lamictal", "lithium", "depakote",
    "tegretol", "suboxone", "naltrexone", "narcan", "ambien", "lunesta", "hydroxyzine", "vistaril", "propranolol",
    "clonidine", "guanfacine", "intuniv", "spravato", "ketamine", "sertraline", "fluoxetine", "escitalopram", "cbt",
    "dbt", "act", "emdr", "ifs", "mbct", "mbsr", "phq", "gad", "pcl", "dsm", "icd", "ptsd", "ocd", "adhd", "asd",
    "bpd", "mdd", "gad-7", "phq-9", "pcl-5"
])

# People named by their relation to the client: the placeholder says the relation.
KINSHIP = {
    "partner": "PARTNER", "husband": "PARTNER", "wife": "PARTNER", "spouse": "PARTNER",
    "boyfriend": "PARTNER", "girlfriend": "PARTNER", "fiance": "PARTNER", "fiancé": "PARTNER",
    "fiancée": "PARTNER", "ex": "EX-PARTNER", "ex-husband": "EX-PARTNER", "ex-wife": "EX-PARTNER",
    "ex-boyfriend": "EX-PARTNER", "ex-girlfriend": "EX-PARTNER", "ex-partner": "EX-PARTNER",
    "mother": "MOTHER", "mom": "MOTHER", "mum": "MOTHER", "mama": "MOTHER", "stepmother": "MOTHER",
    "father": "FATHER", "dad": "FATHER", "papa": "FATHER", "stepfather": "FATHER",
    "sister": "SIBLING", "brother": "SIBLING", "sibling": "SIBLING", "stepsister": "SIBLING",
    "stepbrother": "SIBLING", "half-sister": "SIBLING", "half-brother": "SIBLING", "twin": "SIBLING",
    "son": "CHILD", "daughter": "CHILD", "child": "CHILD", "stepson": "CHILD", "stepdaughter": "CHILD",
    "grandmother": "GRANDPARENT", "grandma": "GRANDPARENT", "grandfather": "GRANDPARENT",
    "grandpa": "GRANDPARENT", "nana": "GRANDPARENT", "aunt": "RELATIVE", "uncle": "RELATIVE",
    "cousin": "RELATIVE", "niece": "RELATIVE", "nephew": "RELATIVE", "friend": "FRIEND",
    "roommate": "FRIEND", "flatmate": "FRIEND", "neighbor": "NEIGHBOUR", "neighbour": "NEIGHBOUR",
    "boss": "COLLEAGUE", "manager": "COLLEAGUE", "supervisor": "COLLEAGUE", "coworker": "COLLEAGUE",
    "co-worker": "COLLEAGUE", "colleague": "COLLEAGUE", "teacher": "TEACHER", "coach": "COACH",
    "therapist": "CLINICIAN", "psychiatrist": "CLINICIAN", "doctor": "CLINICIAN", "pcp": "CLINICIAN",
}

# Nicknames of given names, both ways, for the record's own names ("William" also finds "Bill").
NICKNAMES: dict[str, tuple[str, ...]] = {
    "william": ("will", "bill", "billy", "liam", "willy", "willie"), "robert": ("rob", "bob", "bobby", "robbie"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "eliza", "libby"), "katherine": ("kate", "katie", "kat", "kathy"),
    "catherine": ("cathy", "cat", "kate", "katie"), "margaret": ("maggie", "meg", "peggy", "marge"),
    "richard": ("rick", "rich", "dick", "ricky"), "michael": ("mike", "mikey", "mick"),
    "james": ("jim", "jimmy", "jamie"), "jennifer": ("jen", "jenny", "jenn"), "joseph": ("joe", "joey"),
    "thomas": ("tom", "tommy"), "christopher": ("chris", "topher"), "christina": ("chris", "tina", "chrissy"),
    "daniel": ("dan", "danny"), "matthew": ("matt", "matty"), "anthony": ("tony",), "nicholas": ("nick", "nicky"),
    "jonathan": ("jon", "jonny"), "samuel": ("sam", "sammy"), "samantha": ("sam", "sammy"),
    "alexander": ("alex", "xander", "sasha"), "alexandra": ("alex", "lexi", "sasha"), "benjamin": ("ben", "benny"),
    "edward": ("ed", "eddie", "ted", "ned"), "theodore": ("theo", "ted", "teddy"),
    "patricia": ("pat", "patty", "trish"),
    "patrick": ("pat", "paddy"), "rebecca": ("becky", "becca"), "deborah": ("deb", "debbie"),
    "victoria": ("vicky", "tori"), "jessica": ("jess", "jessie"), "abigail": ("abby", "gail"),
    "josephine": ("josie", "jo"), "susan": ("sue", "susie"), "stephanie": ("steph",), "steven": ("steve", "stevie"),
    "stephen": ("steve", "stevie"), "andrew": ("andy", "drew"), "gabriel": ("gabe",), "zachary": ("zach", "zack"),
    "nathaniel": ("nate", "nat"), "nathan": ("nate",), "charles": ("charlie", "chuck", "chaz"),
    "henry": ("hank", "harry"), "harold": ("harry", "hal"), "frances": ("fran", "frankie"),
    "francis": ("frank", "frankie"), "dorothy": ("dot", "dottie"), "florence": ("flo",), "penelope": ("penny",),
    "harmony": ("harm",), "summer": ("sum",), "rosemary": ("rose", "rosie"), "rosalind": ("rose", "roz"),
    "hope": ("hopey",), "joy": ("joyce",), "isabella": ("bella", "izzy"), "isabel": ("izzy", "bel"),
    "olivia": ("liv", "livvy"), "madeline": ("maddie",), "madison": ("maddie",), "natalie": ("nat",),
    "eleanor": ("ellie", "nora"), "gregory": ("greg",), "timothy": ("tim", "timmy"), "kenneth": ("ken", "kenny"),
    "ronald": ("ron", "ronnie"), "donald": ("don", "donnie"), "lawrence": ("larry",), "raymond": ("ray",),
    "jacob": ("jake",), "joshua": ("josh",), "kimberly": ("kim",), "pamela": ("pam",), "cynthia": ("cindy",),
    "amanda": ("mandy",), "melissa": ("mel", "missy"), "allison": ("ali", "allie"), "valerie": ("val",),
}
