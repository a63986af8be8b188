"""Demo community content: people from many trades, and the questions they would really ask."""

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

# skill → list of (language, title, body); answers are drawn from ANSWERS by language.
QUESTIONS = {
    "menuiserie": [
        (
            "fr",
            "Quel bois choisir pour un plan de travail de cuisine ?",
            "Je dois réaliser un plan de travail de 3 m pour une cuisine familiale. Chêne, hêtre ou noyer ? Je crains les taches et l'humidité près de l'évier.",
        ),
        (
            "fr",
            "Comment éviter que mes assemblages tenon-mortaise se desserrent ?",
            "Sur des chaises en frêne, les assemblages prennent du jeu après quelques mois. Colle vinylique ou colle à l'urée ?",
        ),
        (
            "en",
            "How do I stop a glued-up tabletop from cupping?",
            "My 90 cm wide oak tabletop cupped two weeks after glue-up. Boards were quartersawn but maybe not acclimatised long enough.",
        ),
        (
            "en",
            "Domino vs dowels for cabinet carcasses?",
            "Setting up a small shop. Is a Domino joiner worth it over a good dowelling jig for kitchen carcasses?",
        ),
    ],
    "comptabilite": [
        (
            "fr",
            "Comment amortir un véhicule utilitaire acheté d'occasion ?",
            "Notre SARL a acheté une camionnette de 4 ans. Sur quelle durée l'amortir et faut-il un amortissement dégressif ?",
        ),
        (
            "fr",
            "Faut-il une caisse enregistreuse certifiée pour une petite boutique ?",
            "Nous vendons au comptoir et en ligne. Un logiciel de caisse certifié est-il obligatoire si nous encaissons peu d'espèces ?",
        ),
        (
            "en",
            "Cash or accrual accounting for a two-person consultancy?",
            "We invoice monthly and clients pay at 60 days. Which basis makes our cash-flow forecast more honest?",
        ),
    ],
    "python": [
        (
            "fr",
            "Comment lire un gros fichier CSV sans saturer la mémoire ?",
            "J'ai un CSV de 8 Go à agréger par client. pandas plante. Quelles options en Python pur ou avec une bibliothèque légère ?",
        ),
        (
            "en",
            "asyncio: why does my aiohttp client hang after a few hundred requests?",
            "I create a ClientSession per request in a loop and after a while everything stalls. What am I doing wrong?",
        ),
        (
            "en",
            "How should I structure tests for a small Flask or aiohttp service?",
            "Unit tests with mocks keep breaking when I refactor. Should I test against a real database instead?",
        ),
        (
            "fr",
            "Dataclass ou Pydantic pour des objets métier ?",
            "Dans une application interne, je valide des entrées de formulaires. Quand préférer l'un ou l'autre ?",
        ),
    ],
    "droit-du-travail": [
        (
            "fr",
            "Un salarié peut-il refuser une mutation prévue par une clause de mobilité ?",
            "Notre contrat type contient une clause de mobilité régionale. Un salarié refuse un changement de site à 40 km. Quels sont nos droits et les siens ?",
        ),
        (
            "fr",
            "Comment organiser le télétravail sans accord d'entreprise ?",
            "Nous sommes 15 salariés, sans CSE. Une charte suffit-elle pour encadrer deux jours de télétravail par semaine ?",
        ),
        (
            "en",
            "Can we end a fixed-term contract early by mutual agreement?",
            "An employee on a 12-month contract wants to leave after 5 months for another job. What paperwork protects both sides?",
        ),
    ],
    "sante-au-travail": [
        (
            "fr",
            "Quels exercices proposer contre les TMS en atelier ?",
            "Nos menuisiers se plaignent des épaules et du dos. Quels échauffements simples mettre en place avant la journée ?",
        ),
        (
            "en",
            "How to set up a quiet room for staff in a small office?",
            "We have one spare room. What makes it genuinely restful rather than a storage room with a sofa?",
        ),
    ],
    "electricite": [
        (
            "fr",
            "Différentiel 30 mA type A ou AC pour une plaque à induction ?",
            "Je refais le tableau d'une maison des années 80. La norme impose quoi pour la cuisine ?",
        ),
        (
            "en",
            "Sizing cable for a 7 kW EV charger 25 m from the consumer unit?",
            "Single phase, cable run partly buried. What cross-section and protection would you use?",
        ),
    ],
    "ux-design": [
        (
            "fr",
            "Comment tester une maquette avec des utilisateurs sans budget ?",
            "Petite association, aucun budget recherche utilisateur. Quelles méthodes rapides donnent des retours fiables ?",
        ),
        (
            "en",
            "Should a signup form ask for a password confirmation field?",
            "Our designer removed the confirmation field; support tickets about forgotten passwords went up. Coincidence?",
        ),
    ],
    "boulangerie": [
        (
            "fr",
            "Mon levain manque de force en hiver, que faire ?",
            "Depuis novembre, mes pains montent mal. Le fournil est à 17 °C. Faut-il changer les rafraîchis ?",
        ),
        (
            "en",
            "How do I keep baguettes crisp for an afternoon market?",
            "They go soft within two hours in plastic crates. Paper bags, ventilation, baking longer?",
        ),
    ],
    "gestion-de-projet": [
        (
            "fr",
            "Comment décider sans chef dans une entreprise libérée ?",
            "Nous avons supprimé la hiérarchie intermédiaire. Les décisions traînent. Quels processus de décision collective fonctionnent vraiment ?",
        ),
        (
            "en",
            "How to run a retrospective when the team is tired of retrospectives?",
            "Our fortnightly retros feel like a ritual. What formats bring real change?",
        ),
        (
            "fr",
            "Quel outil simple pour suivre une dizaine de projets clients ?",
            "Tableur partagé, kanban, logiciel dédié ? Nous sommes six et détestons les usines à gaz.",
        ),
    ],
    "linux": [
        (
            "fr",
            "Comment sauvegarder un serveur PostgreSQL sans arrêter le service ?",
            "Petit hébergeur associatif : quelle stratégie de sauvegarde à chaud et comment tester la restauration ?",
        ),
        (
            "en",
            "systemd service keeps restarting: where do I even start?",
            "My unit restarts every few seconds and journalctl only shows 'main process exited, code=exited'.",
        ),
    ],
    "maraichage": [
        (
            "fr",
            "Goutte-à-goutte ou aspersion pour des salades sous serre ?",
            "Serre de 400 m², eau de forage un peu calcaire. Quel système pour limiter les maladies ?",
        ),
        (
            "en",
            "Best green manure before a tomato crop?",
            "Heavy clay soil, want to improve structure over winter before planting tomatoes in May.",
        ),
    ],
    "accessibilite": [
        (
            "fr",
            "Quels critères RGAA vérifier en priorité sur un site vitrine ?",
            "Nous n'avons que deux jours pour améliorer l'accessibilité de notre site. Par où commencer ?",
        ),
        (
            "en",
            "Are placeholder-only form fields really an accessibility problem?",
            "Our forms use placeholders instead of labels to save space. Is it worth the redesign?",
        ),
    ],
    "soudure": [
        (
            "fr",
            "MIG ou TIG pour de l'inox de 2 mm ?",
            "Je fabrique des garde-corps en inox brossé. Quel procédé pour un beau cordon sans déformation ?",
        ),
        (
            "en",
            "How to stop thin sheet warping when welding?",
            "1.5 mm mild steel panels warp badly. Stitch welding helps a bit; what else?",
        ),
    ],
    "traduction": [
        (
            "fr",
            "Comment facturer une relecture de traduction technique ?",
            "Au mot, à l'heure, au forfait ? Le client veut un prix fixe pour 40 pages de documentation.",
        ),
        (
            "en",
            "Translation memory tools for a freelancer on Linux?",
            "Looking for a CAT tool that runs on Linux and exchanges TMX with agencies.",
        ),
    ],
    "photovoltaique": [
        (
            "fr",
            "Autoconsommation : batterie ou pilotage du chauffe-eau ?",
            "Installation de 6 kWc, beaucoup de surplus l'été. Une batterie est-elle rentable ou vaut-il mieux piloter le ballon ?",
        ),
        (
            "en",
            "Micro-inverters or string inverter for a partly shaded roof?",
            "Chimney shades two panels in the morning. Is the extra cost of micro-inverters justified?",
        ),
    ],
    "statistiques": [
        (
            "fr",
            "Comment expliquer un intervalle de confiance à des non-spécialistes ?",
            "Je présente une enquête à un comité de direction. Quelle formulation évite les contresens ?",
        ),
        (
            "en",
            "Mean or median for reporting response times?",
            "Our support team reports average response time; a few tickets take days. Which should we publish?",
        ),
    ],
}

VARIANTS = {
    "fr": ["", " (petite structure)", " — retour d'expérience", " en 2026", " pour une coopérative", " dans une TPE"],
    "en": ["", " (small business)", " — lessons learned", " in 2026", " for a co-op", " in a two-person shop"],
}

ANSWERS = {
    "fr": [
        "D'expérience, commencez simple : testez sur un petit échantillon, notez ce qui change, puis généralisez. Dans notre atelier, c'est ce qui a le mieux fonctionné.",
        "Je vous conseille de lire la documentation officielle, puis de demander un second avis à quelqu'un du métier. Les cas particuliers comptent beaucoup ici.",
        "Nous avons eu le même problème l'an dernier. La solution a été de revoir l'organisation plutôt que l'outil : une personne référente et un point hebdomadaire.",
        "Attention aux idées reçues : la réponse dépend surtout du contexte (taille, budget, contraintes légales). Pouvez-vous préciser ces points ?",
        "La méthode qui marche chez nous : mesurer avant de changer quoi que ce soit, puis comparer après un mois. Les chiffres convainquent mieux que les opinions.",
    ],
    "en": [
        "In my experience, start small: try it on one case, write down what changes, then roll it out. That is what worked best for us.",
        "Check the official guidance first, then get a second opinion from someone in the trade. The edge cases matter a lot here.",
        "We had exactly this problem last year. What fixed it was changing the routine, not the tool: one person in charge and a short weekly check.",
        "It really depends on context — size, budget, legal constraints. Could you add those details to the question?",
        "Measure before you change anything, then compare after a month. Numbers settle these debates faster than opinions.",
    ],
}

COMMENTS = {
    "fr": [
        "Merci, très utile !",
        "Avez-vous une source pour ce point ?",
        "Je confirme, même expérience chez nous.",
        "Intéressant, je vais essayer cette semaine.",
    ],
    "en": [
        "Thanks, very helpful!",
        "Do you have a source for that?",
        "Same experience here.",
        "Interesting, I'll try this week.",
    ],
}

DISCUSSIONS = [
    (
        "fr",
        "Transcription : « Une entreprise sans chefs, dix ans après »",
        "Voici la transcription de mon intervention sur l'entreprise libérée : collectifs tournants, décisions par consentement, reconnaissance des compétences plutôt que des titres. Vos retours sont les bienvenus.",
        ["facilitation", "gestion-de-projet"],
    ),
    (
        "en",
        "Article: why skills beat job titles in small teams",
        "A short essay on showing what people can do rather than what their title says, and how peer endorsement keeps that honest. What has your experience been?",
        ["ressources-humaines", "agilite"],
    ),
]
