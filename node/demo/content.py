"""Demo community content: people from many trades, and the questions they would really ask.

Every question is written once, with the answers written for it (questions_fr.py, questions_en.py); the loader
picks who asks and who answers among the people below, by language and skill.
"""

from __future__ import annotations

from typing import NamedTuple

PEOPLE = [
    # username, display name, headline, organization, location, language, skills
    (
        "claire",
        "Claire Dubois",
        "Menuisière ébéniste",
        "Atelier du Chêne",
        "Lyon",
        "fr",
        ["menuiserie", "ebenisterie", "finitions-bois"],
    ),
    (
        "marc",
        "Marc Lefèvre",
        "Expert-comptable",
        "Cabinet Lefèvre",
        "Nantes",
        "fr",
        ["comptabilite", "fiscalite", "gestion"],
    ),
    ("amina", "Amina Diallo", "Développeuse Python", "Coopérative Codeurs", "Lille", "fr", ["python", "sql", "devops"]),
    (
        "julien",
        "Julien Moreau",
        "Juriste en droit du travail",
        "Freelance",
        "Paris",
        "fr",
        ["droit-du-travail", "rgpd", "contrats"],
    ),
    (
        "sophie",
        "Sophie Laurent",
        "Infirmière en santé au travail",
        "CHU de Rennes",
        "Rennes",
        "fr",
        ["sante-au-travail", "ergonomie", "premiers-secours"],
    ),
    (
        "thomas",
        "Thomas Girard",
        "Électricien",
        "Girard Élec",
        "Bordeaux",
        "fr",
        ["electricite", "domotique", "photovoltaique"],
    ),
    (
        "lea",
        "Léa Fontaine",
        "Designer UX",
        "Studio Fontaine",
        "Toulouse",
        "fr",
        ["ux-design", "accessibilite", "prototypage"],
    ),
    (
        "hugo",
        "Hugo Bernard",
        "Boulanger",
        "Au Bon Levain",
        "Dijon",
        "fr",
        ["boulangerie", "levain", "hygiene-alimentaire"],
    ),
    (
        "camille",
        "Camille Petit",
        "Cheffe de projet",
        "Collectif Horizon",
        "Grenoble",
        "fr",
        ["gestion-de-projet", "facilitation", "agilite"],
    ),
    (
        "nicolas",
        "Nicolas Roux",
        "Data scientist",
        "Université de Lille",
        "Lille",
        "fr",
        ["python", "statistiques", "machine-learning"],
    ),
    (
        "ines",
        "Inès Mercier",
        "Responsable RH",
        "Entreprise libérée SA",
        "Lyon",
        "fr",
        ["ressources-humaines", "recrutement", "droit-du-travail"],
    ),
    (
        "pierre",
        "Pierre Blanc",
        "Maraîcher bio",
        "Ferme des Saules",
        "Angers",
        "fr",
        ["maraichage", "permaculture", "irrigation"],
    ),
    (
        "chloe",
        "Chloé Garnier",
        "Traductrice",
        "Indépendante",
        "Montpellier",
        "fr",
        ["traduction", "redaction", "anglais"],
    ),
    (
        "antoine",
        "Antoine Faure",
        "Soudeur chaudronnier",
        "Métallerie Faure",
        "Saint-Étienne",
        "fr",
        ["soudure", "chaudronnerie", "securite-atelier"],
    ),
    (
        "manon",
        "Manon Chevalier",
        "Graphiste",
        "Freelance",
        "Marseille",
        "fr",
        ["graphisme", "typographie", "impression"],
    ),
    (
        "lucas",
        "Lucas André",
        "Administrateur systèmes",
        "Hébergeur associatif",
        "Strasbourg",
        "fr",
        ["linux", "devops", "securite-informatique"],
    ),
    (
        "emma",
        "Emma Rousseau",
        "Professeure de mathématiques",
        "Lycée Victor Hugo",
        "Besançon",
        "fr",
        ["pedagogie", "statistiques", "mathematiques"],
    ),
    ("paul", "Paul Henry", "Architecte", "Atelier Henry", "Nancy", "fr", ["architecture", "isolation", "renovation"]),
    (
        "sarah",
        "Sarah Mitchell",
        "Product manager",
        "Open Tools Ltd",
        "London",
        "en",
        ["product-management", "agilite", "ux-design"],
    ),
    ("david", "David Okafor", "Backend engineer", "Fintech Co", "Dublin", "en", ["python", "postgresql", "sql"]),
    (
        "emily",
        "Emily Clarke",
        "Occupational therapist",
        "NHS",
        "Bristol",
        "en",
        ["ergonomie", "sante-au-travail", "accessibilite"],
    ),
    (
        "james",
        "James Walker",
        "Carpenter and joiner",
        "Walker Joinery",
        "Leeds",
        "en",
        ["menuiserie", "finitions-bois", "escaliers"],
    ),
    (
        "olivia",
        "Olivia Brown",
        "Employment lawyer",
        "Brown & Partners",
        "Manchester",
        "en",
        ["droit-du-travail", "contrats", "mediation"],
    ),
    (
        "noah",
        "Noah Fischer",
        "Solar installer",
        "SunWorks",
        "Freiburg",
        "en",
        ["photovoltaique", "electricite", "batteries"],
    ),
    (
        "mia",
        "Mia Rossi",
        "Pastry chef",
        "Dolce Vita",
        "Turin",
        "en",
        ["patisserie", "boulangerie", "hygiene-alimentaire"],
    ),
    (
        "ethan",
        "Ethan Wright",
        "Site reliability engineer",
        "CloudScale",
        "Edinburgh",
        "en",
        ["linux", "devops", "postgresql"],
    ),
    (
        "grace",
        "Grace Kim",
        "Accessibility consultant",
        "Inclusive Web",
        "Toronto",
        "en",
        ["accessibilite", "ux-design", "redaction"],
    ),
    (
        "oscar",
        "Oscar Lindqvist",
        "Agile coach",
        "Freelance",
        "Stockholm",
        "en",
        ["agilite", "facilitation", "gestion-de-projet"],
    ),
    ("ruby", "Ruby Evans", "Bookkeeper", "Evans Accounts", "Cardiff", "en", ["comptabilite", "gestion", "fiscalite"]),
    ("leo", "Leo Martin", "Market gardener", "Green Acre", "Cork", "en", ["maraichage", "irrigation", "permaculture"]),
    (
        "zoe",
        "Zoé Lambert",
        "Formatrice sécurité",
        "Prévention Plus",
        "Reims",
        "fr",
        ["premiers-secours", "securite-atelier", "pedagogie"],
    ),
    (
        "yanis",
        "Yanis Benali",
        "Technicien réseau",
        "Mairie de Nîmes",
        "Nîmes",
        "fr",
        ["reseaux", "linux", "securite-informatique"],
    ),
]


class Reply(NamedTuple):
    """An answer written for one question, and the comments under it: the asker's, then the answerer's, in turn."""

    body: str
    comments: tuple[str, ...] = ()
    by: str | None = None  # a username, where the answer only makes sense from that person


class Post(NamedTuple):
    language: str
    skill: str
    title: str
    body: str
    replies: tuple[Reply, ...] = ()
    by: str | None = None  # a username, where the question only makes sense from that person
    kind: str = "question"
    tags: tuple[str, ...] = ()  # empty: the skill alone


def answer(body: str, *comments: str, by: str | None = None) -> Reply:
    return Reply(body, comments, by)
