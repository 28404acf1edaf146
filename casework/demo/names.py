"""Names for fictional people: common Danish first and last names (Danmarks Statistik's
lists of frequent names give the flavour; the selection is ours), and smaller lists for
citizens of Western and non-Western origin so the demo looks like a Danish jobcenter's
caseload. Any likeness to a real person is chance: first, middle and last names are
combined at random."""

DANISH_FEMALE = (
    "Anne", "Kirsten", "Mette", "Hanne", "Anna", "Helle", "Susanne", "Lene", "Maria",
    "Marianne", "Inge", "Karen", "Lone", "Bente", "Camilla", "Pia", "Louise", "Charlotte",
    "Jette", "Tina", "Gitte", "Ida", "Julie", "Emma", "Sofie", "Laura", "Mathilde", "Freja",
    "Line", "Cecilie", "Katrine", "Rikke", "Birgitte", "Sanne", "Malene", "Stine", "Nanna",
    "Signe", "Trine", "Christina", "Maja", "Clara", "Ella", "Caroline", "Josefine",
)
DANISH_MALE = (
    "Peter", "Jens", "Lars", "Michael", "Henrik", "Thomas", "Søren", "Jan", "Niels",
    "Christian", "Martin", "Anders", "Morten", "Jesper", "Mads", "Rasmus", "Per", "Hans",
    "Ole", "Kim", "Jørgen", "Erik", "Frederik", "Mikkel", "Kasper", "Jakob", "Nikolaj",
    "Kristian", "Jacob", "Simon", "Daniel", "Emil", "Mathias", "Andreas", "Lasse", "Tobias",
    "Bo", "Torben", "Steen", "Brian", "Allan", "Carsten", "Magnus", "William", "Oliver",
)
DANISH_LAST = (
    "Nielsen", "Jensen", "Hansen", "Andersen", "Pedersen", "Christensen", "Larsen",
    "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen",
    "Thomsen", "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen",
    "Jakobsen", "Mikkelsen", "Olesen", "Frederiksen", "Laursen", "Henriksen", "Lund",
    "Schmidt", "Holm", "Eriksen", "Kristiansen", "Nørgaard", "Clausen", "Simonsen",
    "Svendsen", "Andreasen", "Iversen", "Jeppesen", "Mogensen", "Vestergaard", "Jessen",
    "Bertelsen", "Dam", "Kjær", "Bach", "Søndergaard", "Lauridsen", "Overgaard", "Damgaard",
)
# Middle names: common Danish ones, given to part of the Danish-origin citizens.
DANISH_MIDDLE = (
    "Marie", "Louise", "Kristine", "Margrethe", "Elisabeth", "Holm", "Skov", "Bach", "Due",
    "Lykke", "Brix", "Krogh", "Munk", "Dahl", "Juul", "Bjerre", "Thorup", "Winther",
)
WESTERN_FEMALE = (
    "Agnieszka", "Katarzyna", "Ioana", "Elena", "Julia", "Sarah", "Laura", "Ingrid",
    "Kristina", "Sigrid", "Anja", "Monika", "Rūta", "Ewa",
)
WESTERN_MALE = (
    "Piotr", "Tomasz", "Andrei", "Mihai", "Lukas", "Jonas", "Johan", "Erik", "Markus",
    "Stefan", "Mantas", "Krzysztof", "David", "James",
)
WESTERN_LAST = (
    "Kowalski", "Nowak", "Wiśniewski", "Popescu", "Ionescu", "Müller", "Schneider",
    "Fischer", "Johansson", "Lindqvist", "Berg", "Kazlauskas", "Petrauskas", "Smith",
    "Brown", "de Vries",
)
NON_WESTERN_FEMALE = (
    "Fatima", "Aisha", "Maryam", "Amina", "Zainab", "Leyla", "Hiba", "Nour", "Sara", "Yasmin",
    "Hodan", "Fadumo", "Zahra", "Olena", "Iryna", "Elif",
)
NON_WESTERN_MALE = (
    "Mohammad", "Ahmed", "Ali", "Omar", "Hassan", "Hussein", "Mustafa", "Khalid", "Yusuf",
    "Abdi", "Ibrahim", "Karim", "Mehmet", "Emre", "Andrii", "Reza",
)
NON_WESTERN_LAST = (
    "Ahmad", "Hussein", "Ali", "Mohamed", "Khan", "Hassan", "Yilmaz", "Demir", "Öztürk",
    "Abdi", "Warsame", "Rahimi", "Hosseini", "Karimi", "Al-Sayed", "Nguyen", "Kovalenko",
    "Shevchenko",
)
