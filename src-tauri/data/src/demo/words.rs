//! The word lists the demo customers are made from. Short on purpose: they only need to look
//! like a real customer list, with the names real lists have (accents, apostrophes, other
//! scripts). Phone numbers use the ranges countries keep for fiction, and email domains the
//! ones reserved for examples, so no demo row reaches a real person.

/// A country with its cities, how its postcodes and phone numbers look.
pub(super) struct Country {
    pub name: &'static str,
    pub cities: &'static [&'static str],
    /// `#` is a digit, `@` an upper-case letter.
    pub postcode: &'static str,
    pub phone: &'static str,
    /// Out of 1000: how many customers live there.
    pub weight: u32,
}

pub(super) const COUNTRIES: &[Country] = &[
    Country {
        name: "United Kingdom",
        cities: &[
            "London",
            "Manchester",
            "Bristol",
            "Leeds",
            "Glasgow",
            "Cardiff",
        ],
        postcode: "@@# #@@",
        phone: "+44 7700 900###",
        weight: 300,
    },
    Country {
        name: "Ireland",
        cities: &["Dublin", "Cork", "Galway", "Limerick"],
        postcode: "D## @###",
        phone: "+353 20 91#####",
        weight: 60,
    },
    Country {
        name: "United States",
        cities: &["New York", "Chicago", "Austin", "Seattle", "Boston"],
        postcode: "#####",
        phone: "+1 202-555-01##",
        weight: 150,
    },
    Country {
        name: "Germany",
        cities: &["Berlin", "Hamburg", "München", "Köln", "Dresden"],
        postcode: "0####",
        phone: "+49 30 23125###",
        weight: 120,
    },
    Country {
        name: "France",
        cities: &["Paris", "Lyon", "Marseille", "Toulouse", "Nantes"],
        postcode: "#####",
        phone: "+33 1 99 00 ## ##",
        weight: 110,
    },
    Country {
        name: "Sweden",
        cities: &["Stockholm", "Göteborg", "Malmö", "Uppsala"],
        postcode: "### ##",
        phone: "+46 70 174 06##",
        weight: 60,
    },
    Country {
        name: "Poland",
        cities: &["Warszawa", "Kraków", "Łódź", "Gdańsk", "Wrocław"],
        postcode: "##-###",
        phone: "+48 5## ### ###",
        weight: 70,
    },
    Country {
        name: "Spain",
        cities: &["Madrid", "Barcelona", "Sevilla", "Valencia"],
        postcode: "#####",
        phone: "+34 6## ### ###",
        weight: 60,
    },
    Country {
        name: "Netherlands",
        cities: &["Amsterdam", "Utrecht", "Rotterdam"],
        postcode: "#### @@",
        phone: "+31 6 ########",
        weight: 40,
    },
    Country {
        name: "Japan",
        cities: &["東京", "大阪", "Kyoto"],
        postcode: "###-####",
        phone: "+81 3 #### ####",
        weight: 30,
    },
];

pub(super) const FIRST_NAMES: &[&str] = &[
    "Emma",
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Sophie",
    "Grace",
    "Chloé",
    "Zoë",
    "Aoife",
    "Siobhán",
    "Ingrid",
    "Astrid",
    "Małgorzata",
    "Agnieszka",
    "Lucía",
    "María",
    "Léa",
    "Anaïs",
    "Fatima",
    "Priya",
    "Hannah",
    "Charlotte",
    "Noah",
    "Oliver",
    "George",
    "Leo",
    "Jack",
    "Liam",
    "Seán",
    "Oisín",
    "Søren",
    "Björn",
    "Łukasz",
    "Paweł",
    "José",
    "Mateo",
    "Hugo",
    "Jürgen",
    "Lukas",
    "Théo",
    "Mohammed",
    "Arjun",
    "Daniel",
    "James",
];

pub(super) const LAST_NAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Davies",
    "Evans",
    "Murphy",
    "Kelly",
    "O'Brien",
    "O'Sullivan",
    "D'Angelo",
    "Müller",
    "Schmidt",
    "Schäfer",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "García",
    "Fernández",
    "López",
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Andersson",
    "Ångström",
    "Johansson",
    "Nielsen",
    "van den Berg",
    "de Vries",
    "Rossi",
    "Khan",
    "Patel",
    "Singh",
    "Nguyen",
    "Okafor",
    "MacDonald",
    "Fitzgerald",
    "Łęcka",
];

/// Names for customers in Japan, written as they would be there.
pub(super) const JAPANESE_FIRST: &[&str] = &["花子", "太郎", "Yuki", "Haruto", "陽菜", "Sora"];
pub(super) const JAPANESE_LAST: &[&str] = &["山田", "佐藤", "Tanaka", "鈴木", "Watanabe"];

pub(super) const STREETS: &[&str] = &[
    "High Street",
    "Station Road",
    "Church Lane",
    "Mill Road",
    "Park Avenue",
    "King Street",
    "Victoria Road",
    "Green Lane",
    "Main Street",
    "Rue de la Paix",
    "Hauptstraße",
    "Calle Mayor",
    "Storgatan",
    "ul. Długa",
    "Kerkstraat",
    "Queen's Road",
];

pub(super) const EMAIL_DOMAINS: &[&str] = &[
    "example.com",
    "example.net",
    "example.org",
    "mail.example",
    "post.example",
];

/// Loyalty tiers, each with how many customers in 100 hold it.
pub(super) const TIERS: &[(&str, u32)] = &[
    ("Bronze", 50),
    ("Silver", 30),
    ("Gold", 15),
    ("Platinum", 5),
];

/// How orders older than two weeks ended, each with how many in 100 (newer ones are still
/// processing or shipped).
pub(super) const STATUSES: &[(&str, u32)] =
    &[("delivered", 80), ("cancelled", 11), ("returned", 9)];

/// Where orders are placed, each with how many orders in 100.
pub(super) const CHANNELS: &[(&str, u32)] =
    &[("web", 50), ("app", 25), ("store", 20), ("phone", 5)];

/// Pieces of a name longer than any form expects (a real thing: double-barrelled surnames,
/// names with every middle name, a whole family in one field).
pub(super) const LONG_NAME_PARTS: &[&str] = &[
    "Wolfeschlegelsteinhausenbergerdorff",
    "Montgomery-Fitzwilliam",
    "de la Cruz y Villanueva",
    "Ó Conchobhair-Featherstonehaugh",
    "Vanderbilt-Rockefeller",
];
