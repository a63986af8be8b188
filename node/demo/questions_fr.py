"""Les questions de la démo en français, chacune avec les réponses écrites pour elle."""

from __future__ import annotations

from .content import Post, Reply
from .content import answer as a


def q(skill: str, title: str, body: str, *replies: Reply, by: str | None = None, also: tuple[str, ...] = ()) -> Post:
    """A question tagged with its skill and the skills in `also`."""
    return Post("fr", skill, title, body, replies, by, tags=(skill, *also))


POSTS = [
    # Bois
    q(
        "menuiserie",
        "Plan de travail en chêne massif de 3 m : quelle épaisseur et quelle fixation ?",
        "Je prépare un plan de travail en chêne lamellé-collé (lames de 40 mm, 3,10 m × 65 cm) pour une cuisine familiale. L'évier sous plan est à 80 cm du mur.\n\nJe hésite entre 30 et 40 mm d'épaisseur, et je ne sais pas comment le fixer sur les caissons pour qu'il puisse travailler sans fendre. Les caissons sont en mélaminé de 19 mm.",
        a(
            "Partez sur 40 mm : à 3 m de long avec une découpe d'évier, 30 mm devient flexible autour de la découpe.\n\nPour la fixation :\n\n- **équerres à trou oblong** (ou « fixations de plateau » en 8) vissées dans les traverses des caissons, une tous les 60 cm environ ;\n- les trous oblongs **perpendiculaires au fil** : c'est en largeur que le bois bouge (comptez 2 à 3 mm sur 65 cm) ;\n- jamais de colle ni de vis traversante en arrière et en avant à la fois.\n\nEt huilez **les deux faces** et les chants de la découpe d'évier avant la pose, sinon le dessous reprend l'humidité et le plan tuile.",
            "Merci ! Pour la découpe d'évier, vous mettez quelque chose en plus de l'huile sur les chants ?",
            "Oui, deux couches de vernis polyuréthane ou de la colle époxy diluée sur les chants de découpe seulement. C'est là que l'eau stagne, l'huile seule ne suffit pas.",
        ),
        a(
            "Même conseil sur l'épaisseur. J'ajoute : faites livrer le chêne deux semaines avant et laissez-le dans la pièce, à plat sur tasseaux. Un plateau posé à 14 % d'humidité dans une cuisine chauffée à 21 °C bougera forcément."
        ),
        also=("finitions-bois",),
    ),
    q(
        "menuiserie",
        "Tenons qui prennent du jeu sur des chaises en frêne",
        "J'ai fabriqué six chaises en frêne l'hiver dernier, assemblages tenon-mortaise collés à la colle vinylique D3. Au bout de huit mois, deux chaises ont du jeu au niveau des traverses arrière.\n\nLe bois était annoncé sec à 12 %, je ne l'ai pas mesuré moi-même. Est-ce la colle, le bois, ou mon ajustement ?",
        a(
            "Sur une chaise, les traverses arrière encaissent tout quand on se balance : c'est là que ça lâche en premier. Trois causes fréquentes, dans l'ordre :\n\n1. **Ajustement trop serré** : la colle est chassée au montage et le joint est « affamé ». Un tenon doit entrer à la main avec une légère résistance, pas au maillet.\n2. **Bois pas assez sec** : à 12 % annoncés, il est souvent à 15 % à cœur. Le tenon se rétracte ensuite dans la mortaise.\n3. **Colle** : la vinylique flue sous charge permanente. Pour des chaises, je passe à la colle urée-formol ou à la colle à la caséine.\n\nPour réparer : dégager le joint, gratter l'ancienne colle (la nouvelle n'accroche pas dessus), recoller à l'urée et chevillez si le tenon le permet.",
            "Le coup du joint affamé, c'est exactement ça : je montais au maillet. Merci.",
        ),
        also=("ebenisterie",),
    ),
    q(
        "menuiserie",
        "Porte d'entrée en bois qui gonfle et frotte chaque hiver",
        "Porte d'entrée en pin d'environ 20 ans, exposée plein ouest. Chaque année de novembre à mars, elle frotte en haut côté serrure ; l'été elle ferme parfaitement. J'ai déjà raboté 2 mm il y a trois ans et ça recommence.\n\nFaut-il raboter encore ou y a-t-il mieux à faire ?",
        a(
            "Ne rabotez plus avant d'avoir refait la finition : si elle gonfle, c'est que l'eau entre, très souvent par le chant du haut et du bas qui n'ont jamais été peints (personne ne les voit). Démontez la porte par temps sec, poncez, et passez deux couches de lasure ou de peinture sur les six faces, chants compris. Vérifiez aussi les paumelles : une porte qui frotte en haut côté serrure est souvent une porte qui s'affaisse ; resserrer ou caler la paumelle du haut règle parfois tout."
        ),
        a(
            "Je confirme pour les paumelles. Sur les portes anciennes, je remplace souvent les vis du haut par des vis de 70 mm qui vont chercher le montant du bâti : la porte remonte d'un ou deux millimètres."
        ),
        also=(
            "finitions-bois",
            "renovation",
        ),
    ),
    q(
        "ebenisterie",
        "Restaurer un placage de noyer décollé sur une commode ancienne",
        "Sur une commode des années 1900, le placage de noyer s'est soulevé sur environ 15 × 10 cm au bord d'un tiroir, avec une cloque au milieu. Le placage est entier, pas de manque.\n\nJe n'ai jamais travaillé à la colle d'os ou de peau. Est-ce indispensable, ou une colle moderne fait l'affaire ?",
        a(
            "Restez à la colle de peau (ou colle d'os) : c'est ce qui a été utilisé à l'origine, elle est réversible et la colle neuve accroche sur l'ancienne. Une colle vinylique, elle, ne prendra pas sur les restes de colle animale et empêchera toute reprise plus tard.\n\nMéthode pour une cloque :\n\n- fendez la cloque au cutter **dans le sens du fil** ;\n- humidifiez légèrement, chauffez au fer à repasser (sans vapeur) sur un papier kraft pour réactiver l'ancienne colle ;\n- glissez un peu de colle chaude avec une lame fine ;\n- pressez avec une cale et un serre-joint, papier journal entre les deux, pendant 12 h.",
            "Quelle température pour le bain-marie de colle ?",
            "Autour de 60 °C. Au-dessus, elle perd de sa force. Un petit pot à colle électrique d'occasion se trouve pour quelques dizaines d'euros, ça vaut le coup si vous en refaites.",
        ),
        also=("finitions-bois",),
    ),
    q(
        "finitions-bois",
        "Huile dure ou vernis pour un parquet de chêne dans une entrée ?",
        "Nous posons 12 m² de parquet en chêne brut dans une entrée qui donne sur le jardin (chien, bottes, graviers). Le reste de la maison est huilé.\n\nL'huile sera-t-elle assez résistante ou faut-il vitrifier cette pièce ?",
        a(
            "Dans une entrée avec graviers, je vitrifierais : un vitrificateur bi-composant trafic intense, trois couches. L'huile tient, mais il faudra la réentretenir deux à trois fois par an à cet endroit, et les rayures de gravier marquent plus vite. L'avantage de l'huile, c'est la réparation locale ; si vous êtes prêts à ré-huiler le passage chaque automne, gardez l'huile pour l'homogénéité avec le reste."
        ),
        a(
            "Option intermédiaire : huile-cire dure teintée « naturel » et un vrai tapis-grattoir encastré dans le seuil. 80 % de l'usure vient des graviers sous les semelles."
        ),
        also=("renovation",),
    ),
    q(
        "finitions-bois",
        "Traces blanches sous la finition après un vernis à l'eau",
        "J'ai verni une table en hêtre avec un vernis acrylique en phase aqueuse, trois couches, ponçage au 240 entre chaque. Le lendemain, des voiles blanchâtres sont apparus par endroits. L'atelier était à 12 °C.\n\nPonçage complet ou y a-t-il un rattrapage ?",
        a(
            "À 12 °C avec un vernis à l'eau, c'est presque sûrement un défaut de coalescence : le film ne se forme pas bien sous 15 °C, et l'humidité reste piégée. Mettez la table au chaud (20 °C) quelques jours, les voiles légers disparaissent parfois seuls. Sinon, ponçage au 320 des zones blanches et une couche de finition au chaud. Pas besoin de tout décaper si le voile n'est que dans la dernière couche."
        ),
    ),
    # Comptabilité, fiscalité, gestion
    q(
        "comptabilite",
        "Amortir une camionnette achetée d'occasion par une SARL",
        "Notre SARL de plomberie (3 salariés) a acheté une camionnette de 4 ans, 14 500 € HT, 90 000 km. Le comptable précédent amortissait nos véhicules neufs sur 5 ans en linéaire.\n\nPour un véhicule d'occasion, on garde 5 ans ? Le dégressif est-il possible ?",
        a(
            "Le dégressif est exclu pour les biens acquis d'occasion : c'est du linéaire obligatoirement.\n\nPour la durée, c'est la durée d'utilisation **prévue chez vous** qui compte, pas l'âge du véhicule : si vous comptez la garder 4 ans, amortissez sur 4 ans. Documentez le choix (note dans le dossier de clôture : kilométrage, usage prévu), c'est ce qu'on vous demandera en cas de contrôle.\n\nAttention aussi à la TVA : sur un utilitaire, elle est récupérable si la carte grise porte bien la mention CTTE ou VP dérivé VU deux places.",
            "Carte grise en CTTE, c'est bon. On va partir sur 4 ans, merci.",
        ),
        also=("fiscalite",),
    ),
    q(
        "comptabilite",
        "Logiciel de caisse certifié obligatoire pour une petite boutique ?",
        "Nous ouvrons une boutique de céramique (vente au comptoir, surtout carte bancaire, quelques espèces le samedi au marché). Nous sommes assujettis à la TVA.\n\nUn tableur pour le journal de caisse suffit-il ou faut-il vraiment un logiciel certifié ?",
        a(
            "Dès que vous êtes assujettis à la TVA et que vous enregistrez des ventes à des particuliers dans un système de caisse, le logiciel doit être certifié (ou attesté par l'éditeur). Un tableur n'est pas accepté comme système de caisse. Le marché du samedi ne change rien : c'est le même encaissement. Beaucoup de caisses sur tablette le sont pour quelques dizaines d'euros par mois ; demandez l'attestation à l'éditeur et gardez-la dans le dossier.",
            "Et si on continue à faire des factures papier numérotées pour le marché ?",
            "Une facturation manuelle sur carnet à souches reste possible, c'est l'enregistrement dans un logiciel non certifié qui pose problème. Mais vous ressaisirez tout ensuite : sur un an, la caisse vous fera gagner du temps.",
        ),
        also=("fiscalite",),
    ),
    q(
        "comptabilite",
        "Rapprochement bancaire qui ne tombe pas juste de 37,40 €",
        "Clôture au 31 décembre d'une association (budget 80 000 €). Le rapprochement bancaire fait apparaître un écart de 37,40 € que je ne trouve pas depuis deux soirées. J'ai pointé tous les chèques émis.\n\nDes astuces pour chercher méthodiquement ?",
        a(
            "Quelques réflexes avant de tout repointer :\n\n- **Divisez l'écart par 2** : 18,70 € — une écriture passée dans le mauvais sens ?\n- **Divisez par 9** : si l'écart est divisible par 9, c'est souvent une inversion de chiffres (73,40 saisi 37,40). Ici 37,40 / 9 = 4,155… donc probablement pas.\n- Cherchez les **frais bancaires et agios** du mois : ils arrivent sur le relevé sans pièce et on les oublie.\n- Vérifiez que le **solde de départ** du rapprochement est bien celui du relevé de fin novembre et pas du 1er décembre.\n\nDans 80 % des cas chez mes clients associatifs, ce sont les frais de tenue de compte trimestriels.",
            "C'étaient les frais du quatrième trimestre, prélevés le 31. Merci, je n'aurais jamais pensé à regarder la dernière ligne du relevé.",
        ),
    ),
    q(
        "fiscalite",
        "Micro-entrepreneur qui dépasse le seuil de franchise de TVA en cours d'année",
        "Je suis graphiste en micro-entreprise. Cette année, un gros client m'a fait dépasser le seuil de franchise en base de TVA en octobre. Je n'ai rien facturé avec TVA pour l'instant.\n\nÀ partir de quand dois-je facturer la TVA, et que faire pour les factures déjà émises ?",
        a(
            "Le principe : si vous dépassez le seuil majoré, vous devenez redevable de la TVA dès le jour du dépassement, donc pour la facture qui fait franchir le seuil et les suivantes. Si vous êtes entre le seuil de base et le seuil majoré, vous restez en franchise jusqu'à la fin de l'année et basculez au 1er janvier. Les seuils changent régulièrement : vérifiez ceux de l'année en cours sur le site des impôts, puis demandez un numéro de TVA intracommunautaire à votre SIE. Pour les factures émises après le dépassement sans TVA, il faut émettre des factures rectificatives."
        ),
        a(
            "Complément pratique : prévenez vos clients tout de suite. Un client professionnel récupère la TVA, donc pour lui le changement est neutre ; pour des particuliers, c'est 20 % de plus ou votre marge en moins, il faut en parler avant."
        ),
        by="manon",
        also=("comptabilite",),
    ),
    q(
        "fiscalite",
        "Frais de repas d'un artisan sur chantier : ce qui est déductible",
        "Électricien en EI au régime réel, je mange tous les midis près des chantiers (15 à 20 € le repas). Mon comptable déduit seulement une partie. Comment est calculée la part déductible ?",
        a(
            "Pour un entrepreneur individuel, seule la fraction qui dépasse le coût d'un repas pris à domicile est déductible, et dans la limite d'un plafond. Les deux montants (valeur du repas à domicile et plafond) sont revalorisés chaque année par l'administration. Concrètement, sur un repas à 18 €, vous déduisez 18 € moins la valeur forfaitaire du repas à domicile. Gardez toutes les notes avec le nom du chantier au dos : c'est la preuve que le repas est lié à l'activité.",
            "Ça explique l'écart, merci. Et un repas avec un client ?",
            "Là c'est un repas d'affaires : déductible en totalité s'il est justifié (nom du client, objet) et raisonnable.",
        ),
        by="thomas",
        also=("comptabilite",),
    ),
    q(
        "gestion",
        "Calculer un taux horaire rentable pour un atelier de deux personnes",
        "Nous sommes deux associés en métallerie. Nous facturons 45 € HT de l'heure depuis trois ans, et à la fin de l'année il ne reste presque rien. Loyer 1 400 €/mois, véhicule, assurances, outillage.\n\nComment calculer le taux horaire qui couvre vraiment tout ?",
        a(
            "La méthode que j'utilise avec les artisans :\n\n1. **Charges annuelles fixes** : loyer, assurances, véhicule, comptable, amortissement des machines, téléphone… (disons 42 000 €).\n2. **Rémunération visée** des deux associés, charges sociales comprises (disons 70 000 €).\n3. **Heures réellement facturables** : 1 600 h de présence par personne, mais 25 à 35 % partent en devis, achats, déplacements, administratif. Comptez 1 100 h facturables par personne, soit 2 200 h.\n\nTaux horaire = (42 000 + 70 000) / 2 200 ≈ **51 € HT**, avant marge et aléas. Ajoutez 10 % et vous êtes vers 56 €.\n\nLe poste qu'on sous-estime presque toujours, c'est le point 3.",
            "Notre vraie proportion d'heures facturées est à 60 %, on a compté. Donc plutôt 62 € pour nous…",
            "Oui, et c'est un chiffre défendable devant un client si vous montrez la qualité. L'autre levier, c'est de facturer les déplacements et les devis détaillés à part.",
        ),
        a(
            "Autre piste : regardez aussi la matière. Beaucoup d'ateliers refacturent l'acier au prix d'achat ; un coefficient de 1,2 à 1,3 sur la matière couvre les chutes, le stockage et le temps d'achat."
        ),
        by="antoine",
        also=("comptabilite",),
    ),
    # Droit du travail, RGPD, contrats, RH
    q(
        "droit-du-travail",
        "Clause de mobilité : un salarié refuse une mutation à 40 km",
        "Nous sommes une PME de 45 salariés avec deux sites (Villeurbanne et Vienne). Le contrat d'un technicien contient une clause de mobilité « sur la région Auvergne-Rhône-Alpes ». Nous fermons l'atelier de Villeurbanne et lui proposons Vienne, à 40 km. Il refuse.\n\nPeut-on le licencier pour faute ? Quels risques ?",
        a(
            "Plusieurs points à vérifier avant d'envisager un licenciement :\n\n- **Précision géographique** : une clause « sur la région » est en principe suffisamment précise. Une clause « partout où l'entreprise aura des sites » ne l'est pas.\n- **Mise en œuvre de bonne foi** : délai de prévenance raisonnable, prise en compte de la situation familiale (enfants, conjoint, temps de trajet sans voiture…).\n- **Pas de modification d'autre élément** : si la mutation change aussi ses horaires ou sa rémunération, le salarié peut refuser.\n- **Contexte** : la fermeture d'un site relève souvent du motif économique. Si plusieurs salariés sont concernés, la procédure n'est pas la même.\n\nSi tout est en ordre, le refus peut constituer une faute, en général pas une faute grave. Faites un point écrit avec lui sur ce qui bloque avant tout.",
            "Il n'a pas de permis, et il n'y a pas de transport direct avant 7 h. Ça change les choses ?",
            "Oui, sérieusement : un juge pourrait considérer que la mise en œuvre porte une atteinte disproportionnée à sa vie personnelle. Cherchez un aménagement (horaires, navette, covoiturage) avant de parler de sanction.",
        ),
        a(
            "Au passage, vérifiez combien de salariés sont touchés par la fermeture : à partir de dix propositions de modification pour motif économique refusées sur une période, on entre dans un licenciement collectif avec d'autres obligations."
        ),
        also=("contrats",),
    ),
    q(
        "droit-du-travail",
        "Encadrer deux jours de télétravail par semaine sans CSE",
        "Nous sommes 15 salariés, pas de CSE (le PV de carence date de l'an dernier). L'équipe veut passer à deux jours de télétravail fixes. Une charte suffit-elle, ou faut-il un avenant à chaque contrat ?",
        a(
            "Sans CSE, une charte élaborée par l'employeur suffit, à condition de la porter à la connaissance des salariés (affichage, intranet, mail). Elle doit au minimum préciser : les conditions de passage et de retour, les plages où le salarié est joignable, la façon dont la charge de travail est suivie, et qui est éligible. Un avenant individuel n'est pas obligatoire, mais un simple accord écrit (mail) de chaque salarié est utile pour tracer le caractère volontaire."
        ),
        a(
            "N'oubliez pas l'équipement et l'assurance : qui fournit l'écran et le siège ? Précisez-le dans la charte, c'est la première question qui revient au bout de trois mois.",
            "Bon point, on n'avait rien prévu. On part sur une allocation forfaitaire ?",
            "C'est le plus simple à gérer, et elle est exonérée de cotisations dans certaines limites. Vérifiez le barème en vigueur avec votre gestionnaire de paie.",
        ),
        also=("ressources-humaines",),
    ),
    q(
        "droit-du-travail",
        "Rupture conventionnelle pendant un arrêt maladie : possible ?",
        "Une salariée en arrêt depuis deux mois (pas d'origine professionnelle) nous demande une rupture conventionnelle. Elle a déjà un autre projet. Est-ce légal de signer pendant l'arrêt ?",
        a(
            "Oui, une rupture conventionnelle peut être signée pendant un arrêt maladie non professionnel, à condition que le consentement soit libre : pas de pression, pas de conflit qui l'aurait poussée dehors. Elle peut venir à l'entretien pendant l'arrêt si ses heures de sortie le permettent ; sinon fixez-le hors de ces heures. Gardez une trace que la demande vient d'elle (son mail), et respectez le délai de rétractation de 15 jours calendaires avant l'envoi pour homologation.",
            "Et si l'arrêt était lié à un burn-out reconnu plus tard comme maladie professionnelle ?",
            "Là c'est beaucoup plus risqué : la rupture peut être annulée si le consentement est jugé vicié. Dans ce cas, faites-vous accompagner avant de signer.",
        ),
        also=("contrats",),
    ),
    q(
        "rgpd",
        "Combien de temps garder les CV des candidats non retenus ?",
        "Nous recevons environ 300 candidatures par an par mail et par un formulaire sur le site. Tout est dans une boîte mail partagée depuis 2019. Quelle durée de conservation appliquer, et que faire de l'historique ?",
        a(
            "La recommandation habituelle : **deux ans maximum** après le dernier contact avec le candidat, et uniquement si vous l'avez informé de cette conservation (et qu'il ne s'y est pas opposé).\n\nPour l'historique :\n\n1. Supprimez tout ce qui a plus de deux ans — y compris les pièces jointes dans la boîte partagée et les copies sur les postes.\n2. Sortez les CV de la boîte mail : un dossier partagé avec des droits limités aux personnes qui recrutent.\n3. Ajoutez la mention d'information sur le formulaire et dans l'accusé de réception.\n4. Inscrivez le traitement « recrutement » dans votre registre.",
            "Et pour les CV qu'on aimerait garder pour un futur poste ?",
            "Demandez-le au candidat par mail (« acceptez-vous que nous gardions votre CV deux ans ? »). S'il dit oui, c'est propre.",
        ),
        also=("recrutement",),
    ),
    q(
        "rgpd",
        "Caméras dans un atelier : ce que nous avons le droit de filmer",
        "Après deux vols d'outillage, nous voulons installer trois caméras dans notre atelier de 600 m² (12 salariés). Peut-on filmer les postes de travail ? Faut-il déclarer quelque chose ?",
        a(
            "Vous pouvez filmer les entrées, les accès et les zones de stockage d'outillage, pas les salariés en continu à leur poste (sauf raison particulière, comme une zone de manipulation d'argent), ni les vestiaires, toilettes ou salle de pause. Il faut : informer et consulter le CSE si vous en avez un, informer individuellement chaque salarié (note ou avenant), afficher des panneaux, limiter l'accès aux images et fixer une durée de conservation courte (un mois maximum, en pratique quelques jours suffisent). Pas de déclaration préalable, mais une ligne dans le registre des traitements."
        ),
        also=("droit-du-travail",),
    ),
    q(
        "contrats",
        "Clause de pénalités de retard dans un contrat de prestation : quel montant raisonnable ?",
        "Je suis développeuse indépendante. Un client me propose un contrat avec une pénalité de 500 € par jour de retard sur un projet à 12 000 €. Ça me paraît énorme. Est-ce négociable, et qu'est-ce qui est usuel ?",
        a(
            "Tout est négociable, et 500 €/jour sur 12 000 € (soit 4 % par jour) est très au-dessus de l'usage. Quelques contre-propositions classiques :\n\n- **Plafond** : pénalités limitées à 5 ou 10 % du montant total ;\n- **Taux** : plutôt 0,5 % du montant du lot concerné par jour ouvré ;\n- **Cause** : pénalités seulement pour un retard qui vous est imputable — les retards de validation ou de fourniture des contenus par le client suspendent le délai ;\n- **Mise en demeure** préalable avant que les pénalités courent.\n\nUn juge peut réduire une pénalité manifestement excessive, mais mieux vaut ne pas avoir à en arriver là.",
            "Le client a accepté le plafond de 10 % et la suspension. Merci pour la liste, je la garde.",
        ),
        by="amina",
        also=("droit-du-travail",),
    ),
    q(
        "ressources-humaines",
        "Entretiens annuels : comment les rendre utiles dans une équipe de 12 ?",
        "Nos entretiens annuels se résument à remplir un formulaire de six pages que personne ne relit. Les salariés trouvent ça inutile, les managers aussi. On doit de toute façon faire l'entretien professionnel tous les deux ans.\n\nComment vous y prenez-vous ?",
        a(
            "Séparez les deux. L'entretien professionnel (obligatoire) parle de parcours, formation, envies d'évolution : gardez-le, il est court et le salarié le prépare. Pour le reste, remplacez l'entretien annuel par des points trimestriels de 30 minutes avec trois questions : ce qui a marché, ce qui a bloqué, ce dont tu as besoin. On garde une demi-page de notes partagée. Chez nous, les managers ont arrêté de tout concentrer sur décembre et les salariés ont vu des suites concrètes."
        ),
        a(
            "Et faites relire le formulaire par deux salariés avant de le valider. Chez nous, ils ont supprimé la moitié des questions, ce qui restait était enfin rempli sérieusement.",
            "Bonne idée, je vais proposer ça au prochain comité.",
        ),
    ),
    q(
        "ressources-humaines",
        "Intégrer un nouveau salarié quand tout le monde est en télétravail",
        "Nous recrutons un comptable qui commencera en janvier. L'équipe (8 personnes) n'est au bureau que le mardi. Comment éviter qu'il se sente seul les trois premières semaines ?",
        a(
            "Ce qui a marché pour nous :\n\n- **Première semaine au bureau tous les jours**, avec au moins une personne présente chaque jour (planning tenu d'avance) ;\n- un **binôme** désigné qui n'est pas son manager, à qui il peut poser les questions « bêtes » ;\n- un petit point de 15 minutes chaque fin de journée la première semaine, puis deux fois par semaine ;\n- une liste écrite de ce qu'il doit savoir faire à 30, 60 et 90 jours.\n\nEt les accès informatiques prêts le premier jour : rien ne décourage autant qu'une matinée à attendre un mot de passe.",
        ),
        also=("recrutement",),
    ),
    q(
        "recrutement",
        "Recruter un menuisier poseur : où publier l'annonce ?",
        "Atelier de menuiserie de 9 personnes près de Lyon. Nous cherchons un poseur expérimenté depuis quatre mois. Les sites d'emploi généralistes ne donnent rien, deux candidats sans expérience en tout.\n\nQu'est-ce qui marche pour ce type de profil ?",
        a(
            "Pour les métiers du bâtiment, les meilleurs candidats ne cherchent pas activement : ils sont déjà en poste. Ce qui marche : vos propres salariés (prime de cooptation), vos fournisseurs et négoces (ils connaissent tous les poseurs du coin), les CFA de la région pour repérer des apprentis en fin de formation, et une annonce qui donne le salaire, le type de chantiers, le véhicule et les horaires. Une annonce sans salaire reçoit nettement moins de réponses."
        ),
        a(
            "Nous avons recruté deux poseurs avec une simple affiche au comptoir du négoce de bois local. Un an de recherche sur internet pour rien avant ça.",
            "Je n'y avais pas pensé, on passe y déposer une annonce cette semaine.",
        ),
        a(
            "Regardez aussi les reconversions : un ancien charpentier ou agenceur peut devenir un très bon poseur en six mois avec un compagnon."
        ),
        by="claire",
        also=("menuiserie",),
    ),
    q(
        "recrutement",
        "Que demander dans un test technique pour un poste de développeur junior ?",
        "Nous recrutons notre premier développeur junior (Python, applications internes). Je voudrais un test court, qui ne prenne pas trois soirées aux candidats. Des idées de format ?",
        a(
            "Un exercice d'une heure maximum, fait ensemble en visio plutôt qu'à la maison : par exemple lire un petit script de 60 lignes avec deux bugs, le faire expliquer, puis ajouter une fonction. On voit comment la personne raisonne, pose des questions et lit du code, ce qui compte plus qu'un algorithme chronométré. Et rémunérez ou raccourcissez tout test à faire chez soi : les bons candidats juniors ont souvent plusieurs processus en parallèle."
        ),
        also=("python",),
    ),
    # Développement, systèmes, données
    q(
        "python",
        "Agréger un CSV de 8 Go par client sans saturer la mémoire",
        "J'ai un export de ventes de 8 Go (45 millions de lignes, colonnes `client_id;date;montant`) à agréger par client et par mois. `pandas.read_csv` remplit les 16 Go de RAM de mon portable et plante.\n\nQuelles options, idéalement sans monter un serveur ?",
        a(
            'Deux solutions simples :\n\n**1. pandas par morceaux**, si vous voulez rester en pandas :\n\n```python\nimport pandas as pd\n\ntotaux = []\nfor morceau in pd.read_csv("ventes.csv", sep=";", chunksize=1_000_000,\n                           usecols=["client_id", "date", "montant"],\n                           dtype={"client_id": "int32", "montant": "float32"},\n                           parse_dates=["date"]):\n    morceau["mois"] = morceau["date"].dt.to_period("M")\n    totaux.append(morceau.groupby(["client_id", "mois"])["montant"].sum())\nresultat = pd.concat(totaux).groupby(level=[0, 1]).sum()\n```\n\n**2. DuckDB**, qui lit le CSV directement et déborde sur disque si besoin :\n\n```sql\nSELECT client_id, date_trunc(\'month\', date) AS mois, sum(montant)\nFROM read_csv(\'ventes.csv\', delim=\';\')\nGROUP BY ALL;\n```\n\nLa deuxième est souvent dix fois plus rapide et ne demande aucune gestion de morceaux.',
            "DuckDB : 40 secondes, 2 Go de RAM. Je ne reviens pas en arrière.",
            "Pensez à convertir le CSV en Parquet une fois pour toutes si vous le relisez souvent, les requêtes suivantes seront encore plus rapides.",
        ),
        a(
            "Si le fichier est trié par client, un simple `csv.reader` avec `itertools.groupby` suffit et consomme quelques Mo. Mais c'est rarement le cas d'un export."
        ),
        also=("sql",),
    ),
    q(
        "python",
        "Dataclass ou Pydantic pour les objets métier d'une application interne ?",
        "Nous écrivons une application interne de gestion des plannings (une vingtaine de modèles). Les données viennent de formulaires web et d'un import Excel. Un collègue veut tout en Pydantic, un autre veut des dataclasses partout « pour ne pas dépendre d'une bibliothèque ».\n\nOù tracez-vous la frontière ?",
        a(
            "Pydantic à la frontière, dataclasses au cœur. Ce qui entre (formulaires, import Excel, API) passe par des modèles Pydantic qui valident et convertissent les types ; une fois validé, le code métier manipule des objets simples. Ça évite de payer la validation à chaque création d'objet interne et le cœur ne dépend pas de la bibliothèque. Pour vingt modèles, ne créez pas deux versions de chacun par principe : seulement là où entrée et objet métier diffèrent vraiment."
        ),
        a(
            "Avis plus pragmatique : si l'équipe est petite, un seul outil partout (Pydantic) évite des débats à chaque revue de code. La performance ne sera pas votre problème avec vingt modèles."
        ),
    ),
    q(
        "python",
        "Tests qui cassent à chaque refactorisation à cause des mocks",
        "Sur un petit service aiohttp + PostgreSQL, nos tests unitaires utilisent beaucoup `unittest.mock`. À chaque fois qu'on renomme une fonction interne, quinze tests cassent alors que le comportement n'a pas changé. On pense tester contre une vraie base. Retours d'expérience ?",
        a(
            "C'est le symptôme classique de tests qui vérifient *comment* le code fait les choses plutôt que *ce qu'il fait*. Ce qui marche bien chez nous :\n\n- une vraie base PostgreSQL de test (un conteneur lancé une fois, une base créée par session de tests, chaque test dans une transaction annulée à la fin) ;\n- les tests passent par l'API HTTP avec le client de test d'aiohttp ;\n- on ne garde des doubles que pour ce qui sort de chez nous (API de paiement, envoi de mails), et encore, sous forme de faux serveurs.\n\nLa suite est un peu plus lente (90 s au lieu de 20 s pour nous), mais on refactorise sans toucher aux tests.",
            "Vous créez le schéma comment, avec les migrations ou directement depuis les modèles ?",
            "Avec les migrations, justement pour les tester au passage. Une fois par session, c'est négligeable.",
        ),
        also=("postgresql",),
    ),
    q(
        "sql",
        "Requête qui passe de 200 ms à 40 s avec un OR sur deux colonnes",
        "Sur une table `commandes` de 3 millions de lignes, avec un index sur `client_id` et un sur `email_facturation` :\n\n```sql\nSELECT * FROM commandes\nWHERE client_id = 4512 OR email_facturation = 'compta@exemple.fr';\n```\n\nChaque condition seule répond en quelques millisecondes, la requête avec `OR` prend 40 s. Pourquoi l'index n'est-il pas utilisé ?",
        a(
            "Selon le moteur, un `OR` sur deux colonnes différentes empêche d'utiliser un seul index et le planificateur préfère parfois un parcours complet. PostgreSQL sait combiner deux index (BitmapOr), MySQL/MariaDB moins bien selon les versions. La solution portable :\n\n```sql\nSELECT * FROM commandes WHERE client_id = 4512\nUNION\nSELECT * FROM commandes WHERE email_facturation = 'compta@exemple.fr';\n```\n\nVérifiez avec `EXPLAIN` avant et après. Et si vous êtes sous PostgreSQL et qu'il ne fait pas de BitmapOr, lancez un `ANALYZE commandes` : des statistiques périmées suffisent à faire dérailler le plan.",
            "MariaDB 10.6 en effet. L'UNION répond en 15 ms. Merci !",
        ),
    ),
    q(
        "sql",
        "Supprimer les doublons d'une table de contacts en gardant le plus récent",
        "Table `contacts(id, email, nom, modifie_le)` dans PostgreSQL 15, environ 200 000 lignes dont quelques milliers de doublons sur `email` (casse différente parfois). Je veux garder pour chaque email la ligne modifiée le plus récemment, puis ajouter une contrainte d'unicité.",
        a(
            "Avec une fonction de fenêtre :\n\n```sql\nBEGIN;\nDELETE FROM contacts c\nUSING (\n  SELECT id, row_number() OVER (\n    PARTITION BY lower(email) ORDER BY modifie_le DESC, id DESC\n  ) AS rang\n  FROM contacts\n) d\nWHERE c.id = d.id AND d.rang > 1;\n\nCREATE UNIQUE INDEX contacts_email_unique ON contacts (lower(email));\nCOMMIT;\n```\n\nLancez d'abord le `SELECT` seul avec `WHERE rang > 1` pour compter ce qui partira, et vérifiez si d'autres tables référencent `contacts.id` : il faudra peut-être rattacher ces lignes au contact conservé avant de supprimer.",
            "Bien vu pour les références, il y avait une table `rendez_vous` qui pointait sur des doublons.",
        ),
        also=("postgresql",),
    ),
    q(
        "devops",
        "Déployer une application Django sur un seul VPS sans Kubernetes",
        "Petite coopérative, une application Django utilisée par 30 personnes. Aujourd'hui on déploie en se connectant en SSH et en faisant `git pull` + redémarrage à la main. On voudrait quelque chose de reproductible sans monter une usine à gaz.",
        a(
            "Pour un VPS et une application, je ferais simple :\n\n1. **Un service systemd** pour gunicorn (redémarrage automatique, logs dans journald) ;\n2. **nginx** devant, certificat Let's Encrypt via certbot ;\n3. **Un script de déploiement** versionné dans le dépôt, lancé par la CI à chaque tag :\n\n```bash\nset -euo pipefail\ncd /srv/app\ngit fetch --tags && git checkout \"$1\"\n.venv/bin/pip install -r requirements.txt\n.venv/bin/python manage.py migrate --noinput\n.venv/bin/python manage.py collectstatic --noinput\nsudo systemctl restart app\n```\n\n4. **Une sauvegarde** quotidienne de la base, testée.\n\nDocker n'apporte pas grand-chose ici tant que vous n'avez qu'un serveur.",
            "Et pour revenir en arrière si une version casse ?",
            "Même script avec le tag précédent. Les migrations à rebours sont le seul piège : écrivez-les de façon que l'ancienne version fonctionne encore sur le nouveau schéma.",
        ),
        a(
            "Je rajouterais un `healthcheck` après le redémarrage (un `curl -f` sur une page) qui fait échouer le déploiement s'il ne répond pas. Ça nous a évité plusieurs matins difficiles."
        ),
        also=(
            "linux",
            "python",
        ),
    ),
    q(
        "linux",
        "Sauvegarder PostgreSQL à chaud sur un petit serveur associatif",
        "Nous hébergeons une dizaine de bases PostgreSQL (quelques Go au total) pour des associations. Aujourd'hui : un `pg_dumpall` nocturne copié sur le même disque. Je sais que ce n'est pas bien. Que mettre en place, et comment tester la restauration ?",
        a(
            "Par étapes, selon l'effort que vous pouvez y mettre :\n\n- **Tout de suite** : envoyez les dumps ailleurs (autre machine, autre hébergeur) avec `restic` ou `borg`, chiffrés, avec une rétention (7 quotidiens, 4 hebdomadaires, 6 mensuels).\n- **Ensuite** : `pg_dump -Fc` par base plutôt qu'un `pg_dumpall` unique, pour restaurer une association sans toucher aux autres.\n- **Si vous voulez un point de reprise fin** : archivage des WAL avec pgBackRest, qui permet de revenir à une minute précise.\n\nPour le test : une fois par mois, un script restaure le dernier dump dans une instance jetable et lance une requête de contrôle (nombre de lignes d'une table clé). Une sauvegarde jamais restaurée n'est pas une sauvegarde.",
        ),
        a(
            "Et surveillez la taille des dumps : si celui d'hier fait 2 Mo au lieu de 400, une alerte. Nous avons découvert comme ça qu'un mot de passe changé faisait échouer le dump en silence depuis trois semaines.",
            "Excellent, je n'aurais pas pensé à ce contrôle-là.",
        ),
        also=("postgresql",),
    ),
    q(
        "linux",
        "Disque plein alors que du et df ne donnent pas le même chiffre",
        "Serveur Debian 12 : `df -h` indique 100 % d'utilisation sur `/var` (50 Go), mais `du -sh /var` donne 21 Go. J'ai déjà supprimé de vieux logs, sans effet.",
        a(
            "Des fichiers supprimés mais toujours ouverts par un processus : l'espace n'est libéré qu'à la fermeture. Pour les trouver :\n\n```bash\nsudo lsof +L1 | sort -k7 -n | tail\n```\n\nC'est souvent un fichier de log supprimé à la main alors que le service écrit encore dedans. Redémarrez le service concerné (ou faites-lui rouvrir ses logs) et l'espace revient. Pour la suite, videz plutôt un log avec `truncate -s 0` que `rm`, et configurez logrotate avec `copytruncate` ou un signal de réouverture.",
            "C'était un log de 29 Go supprimé mais encore tenu par l'application Java. Redémarrage, 58 % d'occupation. Merci !",
        ),
    ),
    q(
        "securite-informatique",
        "Mettre en place la double authentification pour 25 agents sans smartphone professionnel",
        "Dans notre mairie, les agents se connectent à la messagerie et au logiciel métier. La moitié n'a pas de smartphone professionnel et refuse, à raison, d'installer une application sur son téléphone personnel. Quelles solutions de second facteur restent ?",
        a(
            "Les clés de sécurité matérielles (FIDO2) sont la meilleure réponse : une clé par agent, quelques dizaines d'euros, rien à installer sur un téléphone, et résistantes au hameçonnage. Vérifiez que la messagerie et le logiciel métier les acceptent. Pour les services qui ne gèrent que le TOTP, il existe des générateurs de codes matériels. Évitez le SMS si possible. Et achetez deux clés par personne (une de secours gardée au service informatique), sinon la première clé perdue vous coûtera une demi-journée."
        ),
        a(
            "Retour d'expérience : faites une session de 20 minutes par groupe de cinq pour la remise des clés. Ceux qui l'ont reçue par courrier interne ne l'ont jamais activée.",
            "Noté, on fera des ateliers par service.",
        ),
        also=("reseaux",),
    ),
    q(
        "reseaux",
        "Séparer le Wi-Fi public de la médiathèque du réseau des agents",
        "Notre médiathèque partage une seule box et un seul réseau entre les postes des agents, l'imprimante et le Wi-Fi offert au public. On a un switch manageable et une borne qui gère plusieurs SSID. Comment séparer proprement ?",
        a(
            "Avec ce matériel, des VLAN suffisent :\n\n- **VLAN 10** agents (postes, imprimante) ;\n- **VLAN 20** public, SSID « Mediatheque-Public », isolation entre clients activée sur la borne ;\n- le lien entre le switch et la borne en mode *trunk* (les deux VLAN étiquetés).\n\nLe point délicat est le routeur : une box grand public ne gère généralement pas les VLAN. Il faut un petit routeur/pare-feu (OPNsense sur un mini-PC, par exemple) qui route chaque VLAN et interdit le trafic du VLAN 20 vers le VLAN 10. Pensez aussi à limiter le débit du public pour que les agents gardent de la bande passante.",
            "On a un vieux PC de bureau qui traîne, il fera l'affaire avec une deuxième carte réseau ?",
            "Oui, largement pour une médiathèque. Une carte réseau Intel de récupération de préférence, les pilotes sont plus fiables.",
        ),
        also=("securite-informatique",),
    ),
    q(
        "statistiques",
        "Expliquer un intervalle de confiance à un comité de direction",
        "Je présente les résultats d'une enquête de satisfaction (412 répondants sur 1 900 clients) : 68 % de satisfaits, intervalle de confiance à 95 % de ±4,5 points. La dernière fois, un directeur a compris « il y a 95 % de chances que le vrai chiffre soit 68 % ». Quelle formulation évite ce contresens ?",
        a(
            "Je dis : « Si nous refaisions l'enquête auprès d'autres clients tirés au hasard, le résultat bougerait un peu. Avec 412 réponses, il se situerait très probablement entre 63 et 73 %. » Puis je montre une barre avec la fourchette plutôt qu'un chiffre seul. Et j'insiste sur ce que ça implique : un passage de 68 à 70 % l'an prochain ne voudra rien dire. C'est la conclusion qui intéresse un comité, pas la définition."
        ),
        a(
            "Ajoutez une mise en garde sur la représentativité : 412 répondants volontaires ne sont pas un tirage au hasard. L'intervalle ne couvre que l'erreur d'échantillonnage, pas le biais des gens qui répondent.",
            "Très juste, c'est même le plus gros problème de cette enquête.",
        ),
    ),
    q(
        "machine-learning",
        "Modèle de prévision de ventes qui fait mieux en test qu'en production",
        "J'ai entraîné un modèle de gradient boosting pour prévoir les ventes hebdomadaires de 40 magasins. En validation croisée, erreur moyenne de 6 %. En production depuis deux mois, on est à 19 %. Par où commencer l'enquête ?",
        a(
            "Presque toujours une fuite d'information ou une validation qui ne ressemble pas à la production. À vérifier :\n\n1. **Validation croisée aléatoire sur des séries temporelles** : si vos plis mélangent les semaines, le modèle a vu le futur. Utilisez une validation par fenêtres glissantes (entraîner jusqu'à la semaine N, tester sur N+1…).\n2. **Variables disponibles trop tard** : une variable « promotions » remplie après coup dans l'historique, mais inconnue au moment de la prévision.\n3. **Changement réel** : nouveaux magasins, inflation, météo inhabituelle.\n\nRefaites une validation en remontant le temps : si l'erreur remonte vers 19 %, c'était la méthode d'évaluation, pas la production.",
            "C'était le point 1 : avec une validation temporelle je suis à 17 %. Au moins les chiffres sont honnêtes maintenant.",
            "C'est un bon début. Comparez aussi à une référence naïve (ventes de la même semaine l'an dernier) : si elle fait 20 %, votre modèle apporte peu et c'est bon à savoir.",
        ),
        also=(
            "python",
            "statistiques",
        ),
    ),
    q(
        "mathematiques",
        "Faire comprendre les fonctions affines à des élèves de seconde en difficulté",
        "Dans une classe de seconde de 32 élèves, un tiers bloque complètement sur les fonctions affines : ils calculent f(2) mais ne font aucun lien avec la droite. J'ai essayé les tableaux de valeurs et GeoGebra. Vous avez des activités qui ont marché ?",
        a(
            "Partir d'une situation de la vie courante où le coefficient a un sens : forfait de taxi (prise en charge + prix au kilomètre), abonnement de téléphone, remplissage d'une cuve. Les élèves tracent à la main les points pour 0, 1, 2, 3 km, constatent qu'ils sont alignés, puis on nomme les choses : le prix de départ est l'ordonnée à l'origine, le prix au kilomètre est « ce qu'on ajoute à chaque pas ». Ensuite seulement on passe à f(x) = ax + b. Avec une classe faible, je fais comparer deux forfaits pour trouver quand l'un devient moins cher : ça donne une raison de résoudre une équation."
        ),
        also=("pedagogie",),
    ),
    # Santé et sécurité au travail
    q(
        "sante-au-travail",
        "Échauffements contre les TMS avant la journée dans un atelier de menuiserie",
        "Nous sommes 7 dans l'atelier. Trois collègues ont des douleurs d'épaule et deux du bas du dos (port de panneaux, ponçage). On voudrait essayer un échauffement le matin, mais on a peur que ça tourne au ridicule et que personne ne le fasse après deux semaines.",
        a(
            "Ça tient dans la durée si c'est court, fait ensemble, sur le temps de travail. Ce que je propose aux ateliers :\n\n- **5 minutes maximum**, à la même heure, animé à tour de rôle ;\n- rotations d'épaules, étirement des avant-bras (ponçage !), flexions de hanches, rotations du bassin ;\n- rien au sol, rien qui demande de se changer.\n\nMais l'échauffement ne compense pas les causes : regardez aussi la hauteur des établis, le chariot pour les panneaux et la rotation des postes de ponçage. Le médecin du travail peut venir faire une étude de poste, c'est gratuit pour vous (inclus dans la cotisation).",
            "On va demander l'étude de poste. Vous savez combien de temps ça prend en général ?",
            "Selon les services, quelques semaines pour avoir un créneau. Dites que vous avez plusieurs salariés douloureux, ça aide à prioriser.",
        ),
        by="claire",
        also=("ergonomie",),
    ),
    q(
        "ergonomie",
        "Écran portable ou écran externe en télétravail : ça change vraiment quelque chose ?",
        "Je passe 7 h par jour sur un portable 14 pouces posé sur la table de la cuisine. Douleurs de nuque depuis trois mois. Mon employeur propose de financer un équipement jusqu'à 300 €. Quoi prioriser ?",
        a(
            "Dans cet ordre : un support pour surélever le portable (le haut de l'écran à hauteur des yeux) avec un clavier et une souris séparés — environ 60 € au total —, puis un écran externe de 24 pouces si le budget le permet. C'est surtout la tête penchée vers un écran bas qui fait mal à la nuque. Le siège vient ensuite : une chaise de cuisine avec un coussin lombaire tient quelques mois. Et faites des pauses actives toutes les heures, même courtes.",
            "Support + clavier installés hier, la différence se sent déjà ce soir. Merci.",
        ),
        also=("sante-au-travail",),
    ),
    q(
        "premiers-secours",
        "Que mettre dans la trousse de secours d'un atelier de métallerie ?",
        "Atelier de 6 personnes : meuleuses, postes à souder, cisaille, poinçonneuse. Notre trousse date de 2015 et contient surtout des pansements. Quel contenu adapté aux risques réels ?",
        a(
            "Adaptez-la à vos risques, et faites-la valider par le médecin du travail :\n\n- **Coupures** : compresses stériles, bandes, pansements compressifs, gants jetables, antiseptique incolore ;\n- **Brûlures** : compresses d'hydrogel (ne remplacent pas le refroidissement à l'eau tempérée pendant 15 minutes) ;\n- **Yeux** : flacons de lavage oculaire, ou mieux un rince-œil fixe près des postes de meulage ;\n- **Hémorragie grave** : un pansement compressif d'urgence, voire un garrot si des personnes sont formées ;\n- couverture de survie, ciseaux, et la liste des numéros d'urgence.\n\nSurtout : au moins un sauveteur secouriste du travail formé par équipe présente, et une vérification des dates tous les six mois.",
        ),
        a(
            "Pour les projections de limaille dans l'œil : on ne retire rien soi-même, on rince et on va aux urgences. Mettez-le par écrit dans la trousse, c'est la blessure la plus fréquente en métallerie.",
            by="zoe",
        ),
        also=("securite-atelier",),
    ),
    q(
        "securite-atelier",
        "Formaliser le document unique quand on est trois dans l'atelier",
        "Nous sommes une SARL de trois associés et un apprenti. Notre document unique d'évaluation des risques tient sur une page et n'a pas été mis à jour depuis l'embauche de l'apprenti. Quel niveau de détail est attendu pour une structure aussi petite ?",
        a(
            "L'essentiel est qu'il soit vrai et vivant, pas long. Organisez-le par **unité de travail** (débit, soudure, montage, chantier, bureau) et pour chacune : le danger, la situation exposante, ce qui est en place, ce qui reste à faire avec une date.\n\nPour l'apprenti, ajoutez une section spécifique : un mineur ne peut pas utiliser certaines machines sans la déclaration de dérogation pour travaux réglementés, et elle doit s'appuyer sur le document unique à jour.\n\nMise à jour : à chaque embauche, nouvelle machine ou accident, et au moins une fois par an.",
            "Notre apprenti a 17 ans, on n'avait pas fait la déclaration de dérogation…",
            "Faites-la tout de suite auprès de l'inspection du travail : elle est valable trois ans et couvre les apprentis suivants sur les mêmes travaux.",
        ),
        also=("sante-au-travail",),
    ),
    # Électricité, domotique, solaire
    q(
        "electricite",
        "Différentiel type A ou AC pour une plaque à induction en rénovation",
        "Je refais le tableau électrique d'une maison des années 80 : deux rangées, un seul différentiel 30 mA de type AC pour tout. Le client a une plaque à induction et un lave-linge. Quels types de différentiels pour rester dans la norme actuelle ?",
        a(
            "La NF C 15-100 demande un interrupteur différentiel 30 mA de **type A** pour les circuits de la plaque de cuisson et du lave-linge (ainsi que pour la borne de recharge si elle existe), les autres circuits peuvent rester sur du type AC. Le nombre de différentiels dépend de la surface du logement. En pratique, sur un tableau neuf, beaucoup d'entre nous mettent tout en type A : l'écart de prix est faible et ça évite des déclenchements avec l'électronique moderne.",
            "C'est ce que je pensais faire, merci pour la confirmation.",
        ),
        also=("renovation",),
    ),
    q(
        "electricite",
        "Disjoncteur qui saute la nuit sans appareil en marche",
        "Chez un client, le différentiel 30 mA du circuit des prises de l'étage déclenche deux ou trois fois par semaine, surtout la nuit, quand rien de particulier ne fonctionne. J'ai testé l'isolement des circuits avec un mégohmmètre : rien d'anormal à sec.",
        a(
            "Un déclenchement nocturne sans charge, c'est très souvent l'humidité : condensation dans une boîte de dérivation ou une prise extérieure, ou un appareil en veille qui a une fuite à la terre quand il se remet en marche (chauffe-eau, congélateur qui dégivre…). Pistes :\n\n- cherchez une prise ou une boîte sur un mur extérieur, dans des combles ou une salle de bain ;\n- refaites la mesure d'isolement **le matin** après une nuit fraîche ;\n- débranchez un appareil par nuit pour isoler le coupable ;\n- un enregistreur de courant de fuite posé quelques jours vaut tous les essais à l'aveugle.",
            "C'était la prise du balcon, pleine de condensation. Remplacée par une prise étanche, plus de déclenchement depuis dix jours.",
        ),
    ),
    q(
        "domotique",
        "Piloter des volets roulants existants sans tout recâbler",
        "Maison de 2005, sept volets roulants électriques filaires avec inverseurs muraux. Le client veut les piloter depuis son téléphone et programmer des horaires, sans ouvrir les murs. Quelles solutions utilisez-vous ?",
        a(
            "Des micromodules pour volets roulants placés derrière les inverseurs existants, dans la boîte d'encastrement (prévoir des boîtes profondes ou une réhausse si c'est serré). Choisissez un protocole local et standard (Zigbee ou Z-Wave) avec une passerelle, plutôt que du Wi-Fi cloud propriétaire : le client garde le fonctionnement si l'éditeur disparaît. Vérifiez qu'il y a un neutre dans la boîte, certains modules en ont besoin. Compter une petite heure par volet, réglage de la course compris."
        ),
        a(
            "Si les boîtes n'ont pas de neutre, il existe des modules qui s'en passent, mais sur volets c'est rare. Dans ce cas, un moteur radio de remplacement peut revenir moins cher que de tirer un neutre.",
            "Deux boîtes sans neutre sur sept, on fera ces deux-là en moteur radio.",
        ),
        also=("electricite",),
    ),
    q(
        "photovoltaique",
        "Autoconsommation : batterie ou pilotage du chauffe-eau pour le surplus d'été ?",
        "Installation de 6 kWc dans le Gard, injection du surplus à un tarif bas. L'été, on injecte environ 60 % de la production. Chauffe-eau électrique de 200 L. Une batterie de 10 kWh est-elle rentable, ou vaut-il mieux piloter le ballon ?",
        a(
            "Commencez par le chauffe-eau, de loin : c'est une « batterie thermique » déjà payée. Un routeur solaire qui envoie le surplus dans la résistance coûte quelques centaines d'euros et absorbe 3 à 5 kWh par jour de surplus.\n\nPour la batterie, faites le calcul sur votre cas : (kWh déplacés par an) × (prix d'achat du kWh − tarif de revente) comparé au prix de la batterie, sur sa durée de vie (environ 6 000 cycles pour du LFP). Avec 10 kWh, on trouve souvent un retour sur investissement de 12 à 15 ans, proche de sa durée de vie.\n\nDans l'ordre : ballon, puis décaler les usages (lave-linge, lave-vaisselle en journée), puis éventuellement batterie.",
            "Le routeur est installé depuis un mois : plus besoin de la résistance en heures creuses depuis. Impressionnant.",
        ),
        a(
            "Attention au réglage de la température du ballon si vous coupez les heures creuses : gardez une montée à 60 °C au moins une fois par semaine contre la légionelle, même en hiver.",
            by="thomas",
        ),
        also=("domotique",),
    ),
    # UX, accessibilité, prototypage
    q(
        "ux-design",
        "Tester une maquette avec des utilisateurs sans aucun budget",
        "Nous sommes une association d'aide aux démarches administratives. Nous refaisons notre formulaire de prise de rendez-vous (utilisé surtout par des personnes âgées ou peu à l'aise avec le numérique). Aucun budget pour de la recherche utilisateur. Comment obtenir des retours fiables ?",
        a(
            "Cinq personnes suffisent pour trouver l'essentiel des problèmes. Méthode à coût nul :\n\n1. **Recrutez sur place** : des personnes qui viennent déjà à vos permanences, en échange d'un café.\n2. **Donnez une tâche**, pas une visite : « Prenez rendez-vous pour mardi prochain pour un dossier de retraite. »\n3. **Taisez-vous** et notez où la personne hésite, revient en arrière, ou demande de l'aide.\n4. Une maquette papier ou un prototype cliquable suffit.\n\nAvec votre public, testez aussi sur leur propre téléphone, avec leur taille de police réglée.",
            "On a fait quatre tests cette semaine : trois personnes sur quatre n'ont pas vu le bouton « Suivant » sous le calendrier. Rien que ça valait le coup.",
        ),
        also=("prototypage",),
    ),
    q(
        "accessibilite",
        "Deux jours pour améliorer l'accessibilité d'un site vitrine : par où commencer ?",
        "Site d'une vingtaine de pages (cabinet d'architectes), fait sur un CMS. Nous avons deux jours de développement pour l'accessibilité, pas plus. Quelles corrections apportent le plus ?",
        a(
            "Dans l'ordre d'impact pour un site vitrine :\n\n1. **Alternatives textuelles** des images (et `alt=\"\"` pour les images décoratives) — souvent le plus gros volume sur un site d'architectes ;\n2. **Contrastes** du texte, surtout les textes gris clair sur blanc ;\n3. **Navigation au clavier** : tout est atteignable avec Tab, le focus est visible, le menu mobile s'ouvre au clavier ;\n4. **Titres** hiérarchisés (un `h1` par page, pas de niveau sauté) ;\n5. **Formulaire de contact** : chaque champ a un `label`, les erreurs sont annoncées en texte.\n\nTestez ensuite une page type avec un lecteur d'écran (NVDA est gratuit) pendant une demi-heure : c'est très parlant.",
        ),
        a(
            "Gardez une demi-journée pour rédiger la déclaration d'accessibilité et un moyen de contact pour signaler un problème. Même partielle, elle montre que le travail est suivi.",
            "Bonne idée, on la mettra dans le pied de page.",
        ),
        also=("ux-design",),
    ),
    q(
        "prototypage",
        "Prototype cliquable ou maquette papier pour un premier test ?",
        "Je dois tester trois idées de parcours pour une application de réservation de salles. J'ai une semaine. Est-ce que ça vaut le coup de faire un prototype cliquable détaillé, ou le papier suffit à ce stade ?",
        a(
            "Avec trois parcours différents et une semaine, le papier (ou des écrans en noir et blanc très grossiers) : les gens critiquent plus volontiers quelque chose qui a l'air inachevé, et vous pouvez modifier entre deux tests. Un prototype léché fait parler des couleurs et des icônes au lieu du parcours. Passez au cliquable une fois le parcours choisi, pour tester les détails (libellés, ordre des champs)."
        ),
        also=("ux-design",),
    ),
    # Boulangerie, levain, hygiène
    q(
        "levain",
        "Levain qui manque de force depuis que le fournil est à 17 °C",
        "Je fais du pain au levain pour une petite boutique (environ 60 kg de pâte par jour). Depuis novembre, le fournil n'est plus qu'à 17 °C, mes pains manquent de volume et sont acides. Même recette et mêmes horaires de rafraîchi qu'en été (deux rafraîchis par jour).",
        a(
            "À 17 °C, votre levain fermente beaucoup plus lentement qu'en été : il n'est pas « mûr » quand vous l'utilisez, et la longue fermentation favorise l'acidité acétique. Pistes, à combiner :\n\n- **eau de coulage plus chaude** : visez une pâte à 25-26 °C en sortie de pétrin (température de base plus haute) ;\n- **levain plus liquide** (100 % d'hydratation au lieu de 60 %), il fermente plus vite au froid ;\n- une **caisse isolée** avec une ampoule ou un petit tapis chauffant pour garder le levain à 24-26 °C ;\n- ou allonger l'écart entre rafraîchi et utilisation d'une à deux heures.",
            "Levain à 100 % et pâte à 25 °C : les pains ont retrouvé leur volume en trois jours. L'acidité a baissé aussi.",
            "Parfait. Gardez l'habitude de noter la température de pâte à chaque fournée, c'est le meilleur indicateur en hiver.",
        ),
        also=("boulangerie",),
    ),
    q(
        "boulangerie",
        "Baguettes qui ramollissent en deux heures sur le marché",
        "Je vends sur un marché de plein air le samedi matin. Les baguettes cuites à 6 h sont molles vers 9 h, surtout par temps humide. Je les transporte dans des caisses plastiques fermées.",
        a(
            "Les caisses fermées font ça : la vapeur qui sort de la mie reste autour de la croûte. Laissez refroidir complètement sur grille (au moins 30 minutes) avant de charger, et transportez dans des paniers en osier ou des caisses ajourées, debout. Cuisez aussi un peu plus longtemps (couleur plus soutenue, 2 ou 3 minutes de plus) et ouvrez le oura en fin de cuisson pour sécher la croûte. Par temps humide, rien ne vaut une deuxième fournée à 8 h si votre organisation le permet.",
            "Les caisses ajourées ont tout changé. Merci.",
        ),
        also=("levain",),
    ),
    q(
        "hygiene-alimentaire",
        "Plan de maîtrise sanitaire pour une boulangerie qui ouvre",
        "Nous ouvrons une boulangerie-pâtisserie avec deux personnes en production. La DDPP peut passer à tout moment. Que doit contenir concrètement le plan de maîtrise sanitaire, et comment éviter qu'il soit un classeur que personne n'ouvre ?",
        a(
            "Le PMS contient les bonnes pratiques d'hygiène, l'analyse des dangers (HACCP) et la traçabilité. Concrètement pour vous :\n\n- **Plan de nettoyage** affiché : quoi, quand, avec quel produit, qui ;\n- **Relevés de température** des enceintes froides, matin et soir ;\n- **Traçabilité** : étiquettes des matières premières gardées, lots notés ;\n- **Refroidissement** des crèmes et préparations (crème pâtissière : de 63 °C à moins de 10 °C en moins de 2 h) ;\n- **Allergènes** : liste par produit, disponible pour les clients ;\n- la formation à l'hygiène d'au moins une personne.\n\nPour qu'il vive : des fiches courtes au mur, à cocher, et un classeur qui ne sert qu'à archiver. Le Guide de bonnes pratiques de la profession vous évite de tout rédiger.",
            "Pour le refroidissement, sans cellule on fait comment ?",
            "Étaler la crème en couche fine sur plaque, film au contact, et au froid. Mesurez quelques fois et notez les résultats pour prouver que vous tenez les deux heures ; sinon une cellule de refroidissement devient un investissement prioritaire.",
        ),
        also=("boulangerie",),
    ),
    # Projets, facilitation
    q(
        "gestion-de-projet",
        "Décider sans chef dans une entreprise sans hiérarchie intermédiaire",
        "Nous sommes 35 et avons supprimé les postes de chefs d'équipe il y a un an. Depuis, les décisions transverses traînent : la dernière (changer de fournisseur d'emballages) a pris quatre mois et trois réunions plénières. Quels processus de décision collective fonctionnent vraiment à cette taille ?",
        a(
            "Ce qui bloque souvent, c'est qu'on a remplacé « le chef décide » par « tout le monde décide », ce qui est encore plus lent. Deux outils qui marchent bien :\n\n- **La sollicitation d'avis** : une personne porte la décision, consulte les personnes concernées et les experts, puis décide elle-même et explique pourquoi. Rapide, et responsabilisant.\n- **La décision par consentement** pour ce qui touche tout le monde : on ne cherche pas l'accord de tous, on vérifie qu'il n'y a pas d'objection argumentée.\n\nÉcrivez qui porte quoi (un tableau des rôles), avec des délais : « avis jusqu'au 15, décision le 20 ». Quatre mois pour des emballages, c'est souvent une décision que personne ne se sentait autorisé à prendre.",
            "La sollicitation d'avis, on l'a testée sur le choix du nouveau logiciel de planning : décidé en trois semaines. On va l'écrire dans notre guide.",
        ),
        a(
            "Attention à ne pas faire porter les décisions toujours par les mêmes personnes, celles qui parlent le plus fort. Une rotation aide, et un registre des décisions public évite les « on n'était pas au courant ».",
            by="camille",
        ),
        also=("facilitation",),
    ),
    q(
        "gestion-de-projet",
        "Quel outil pour suivre une dizaine de projets clients à six ?",
        "Agence de six personnes, une dizaine de projets en parallèle (sites web, supports imprimés). Aujourd'hui : un tableur partagé et beaucoup de mails. On a essayé un gros logiciel de gestion de projet, abandonné au bout d'un mois. Qu'est-ce qui marche à notre échelle ?",
        a(
            "Un tableau kanban simple, une carte par projet (pas par tâche), avec quatre colonnes : à démarrer, en cours, chez le client, terminé. Les tâches détaillées restent dans chaque carte. Et un point de 15 minutes le lundi devant le tableau. Le logiciel compte moins que le rituel : ce qui a fait échouer le gros outil, c'est probablement qu'il fallait tout y saisir. N'importe quel outil kanban ou même des post-it font l'affaire au début."
        ),
        a(
            "Gardez votre tableur pour le budget et les heures passées, c'est ce qu'il fait bien. Le kanban pour « où en est-on », le tableur pour « combien ça coûte ».",
            "C'est exactement notre problème : on voulait qu'un seul outil fasse les deux.",
        ),
    ),
    q(
        "facilitation",
        "Animer un atelier de 3 heures avec 40 participants qui ne se connaissent pas",
        "Je dois animer un atelier de co-construction pour un projet de tiers-lieu : 40 habitants, élus et associations, un samedi matin. Je n'ai animé que des réunions de 10 personnes. Quel déroulé proposeriez-vous ?",
        a(
            "Un déroulé qui tient bien en 3 heures :\n\n1. **Accueil (20 min)** : café, badges avec prénom, et une question affichée au mur à laquelle chacun répond sur un post-it en arrivant (« Un tiers-lieu réussi, pour moi, c'est… »).\n2. **Cadre (10 min)** : pourquoi on est là, ce qui sera fait des idées, ce qui est déjà décidé et ne se discute pas.\n3. **Petits groupes (60 min)** : tables de 5-6 mélangées, une question par table, un secrétaire. Deux tours, on change de table entre les deux (format « World Café »).\n4. **Pause (15 min)**.\n5. **Mise en commun (45 min)** : chaque table affiche ses idées, vote avec des gommettes.\n6. **Suite (20 min)** : ce qui se passe après, quand les gens auront des nouvelles.\n\nLe point 2 est le plus important : la frustration vient presque toujours d'un cadre flou.",
            "Merci, c'est très clair. Combien d'animateurs faut-il pour 40 personnes ?",
            "Vous et une personne pour le temps et la logistique, c'est un minimum. Les secrétaires de table font le reste.",
        ),
        also=("gestion-de-projet",),
    ),
    q(
        "agilite",
        "Des rétrospectives qui tournent au rituel vide",
        "Notre équipe de développement (7 personnes) fait une rétro toutes les deux semaines depuis deux ans. Toujours le même format « ce qui a marché / ce qui n'a pas marché ». Les mêmes sujets reviennent et rien ne change. Comment relancer ?",
        a(
            "Regardez d'abord les actions : si les mêmes sujets reviennent, c'est que les actions décidées ne sont pas faites. Limitez-vous à **une seule action** par rétro, avec une personne et une date, et commencez la suivante par « l'action a-t-elle été faite, qu'est-ce que ça a changé ? ». Ensuite, changez de format de temps en temps (frise chronologique du sprint, « bateau », rétro sur un seul thème), et laissez quelqu'un d'autre animer. Et si rien ne se passe pendant deux semaines, sautez la rétro : c'est aussi une information."
        ),
        a(
            "Une fois, nous avons fait une rétro sur… les rétros. Conclusion : les vrais sujets (charge, relations avec un autre service) n'étaient jamais abordés parce que le manager était présent. On a fait deux rétros sans lui, c'était très différent.",
            "Sujet délicat mais vrai. On en parle avec notre responsable, il est plutôt ouvert.",
        ),
        by="nicolas",
        also=("facilitation",),
    ),
    # Maraîchage
    q(
        "irrigation",
        "Goutte-à-goutte ou aspersion pour des salades sous serre ?",
        "Serre tunnel de 400 m², salades et jeunes pousses en continu d'avril à octobre. Eau de forage assez calcaire (TH 32). En aspersion, j'ai eu du mildiou l'an dernier. Le goutte-à-goutte pour des salades plantées serré, ça se fait ?",
        a(
            "Oui, c'est même recommandé contre le mildiou : le feuillage reste sec. Pour des salades :\n\n- gaines goutte-à-goutte à faible écartement (20 cm) et faible débit, 3 ou 4 lignes par planche de 1,20 m ;\n- **filtre à tamis** et **injection d'acide** ou purges régulières à cause du calcaire, sinon les goutteurs se bouchent en une saison ;\n- gardez un passage d'aspersion courte pour la levée des jeunes pousses semées en plein, juste les premiers jours.\n\nArrosez le matin : le sol de surface sèche dans la journée.",
            "Je n'avais pas pensé à l'acidification. Vous utilisez quoi, de l'acide nitrique ?",
            "Acide phosphorique ou nitrique dosé au pH (visez 6 à 6,5 dans l'eau d'irrigation). En bio, vérifiez la liste des intrants autorisés avec votre organisme certificateur.",
        ),
        also=("maraichage",),
    ),
    q(
        "maraichage",
        "Planifier les semis pour avoir des paniers réguliers toute l'année",
        "Je démarre en AMAP avec 35 paniers hebdomadaires sur 1,5 ha. Ma première saison a été une succession de trous (pas de légumes en juin) et de trop-pleins (courgettes en août). Comment planifiez-vous vos séries ?",
        a(
            "La méthode qui m'a sauvé : partir des paniers et remonter vers les semis.\n\n1. Listez pour chaque semaine de l'année ce que vous voulez dans le panier (5 à 7 légumes).\n2. Pour chaque légume, calculez la quantité par semaine (35 paniers × 1 salade = 35 salades + 20 % de perte).\n3. Remontez le calendrier avec la durée de culture : salades d'été toutes les 2 semaines, radis toutes les semaines, etc.\n4. Mettez tout dans un tableur avec une colonne par semaine.\n\nPour le « trou de juin » : c'est la période la plus difficile partout. Cultures de printemps sous abri, fèves, pois, premières courgettes sous tunnel, et des stocks de l'hiver (oignons, ail).",
        ),
        a(
            "Et acceptez 2 ou 3 légumes de moins en juin en mettant plus de quantité : les adhérents comprennent si vous l'expliquez dans la lettre du panier.",
            "Bonne idée, la lettre du panier je la fais déjà, j'y ajouterai un mot sur la saison.",
        ),
    ),
    q(
        "permaculture",
        "Paillage épais et limaces : comment éviter la catastrophe au printemps ?",
        "Je paille mes planches avec 15 cm de foin depuis deux ans (sol argileux, région de Nantes). Le sol est superbe mais au printemps, les limaces dévorent tous mes plants de salades et de courges.",
        a(
            "Retirez le paillage des planches à planter trois ou quatre semaines avant la plantation, pour que le sol se réchauffe et que les limaces perdent leur abri, puis remettez-le une fois les plants bien développés. Installez des planches ou tuiles comme pièges et relevez-les chaque matin. Plantez des plants plus gros (élevés en godets plus longtemps) : ils résistent mieux. Et favorisez les prédateurs : une petite mare à proximité fait venir les crapauds.",
            "Je vais tester les planches pièges dès ce week-end.",
        ),
        also=("maraichage",),
    ),
    # Traduction, rédaction
    q(
        "traduction",
        "Facturer la relecture de 40 pages de documentation technique",
        "Un client me demande un prix fixe pour relire une traduction anglais → français de 40 pages de documentation d'une machine industrielle (environ 14 000 mots), traduite par quelqu'un d'autre. Au mot, à l'heure, au forfait ? Je n'ai aucune idée de la qualité de la traduction.",
        a(
            "Demandez un extrait représentatif de deux ou trois pages avant de chiffrer : une relecture d'une bonne traduction se fait à 1 000-1 500 mots par heure, une mauvaise traduction se rapproche d'une retraduction.\n\nEnsuite, proposez un forfait basé sur votre taux horaire avec une clause : « si la qualité du texte demande une réécriture au-delà de X % des segments, nous reviendrons vers vous avec un nouveau devis ». Précisez aussi :\n\n- si la terminologie client existe (glossaire, mémoire de traduction) ;\n- si la relecture inclut la mise en page ;\n- le nombre d'allers-retours de questions.",
            "L'extrait était très moyen, j'ai pu justifier un devis plus élevé. Merci !",
        ),
        also=("anglais",),
    ),
    q(
        "redaction",
        "Écrire des consignes de sécurité que les gens lisent vraiment",
        "Je rédige les consignes de sécurité affichées près des machines d'un atelier partagé (fablab). Les actuelles sont des paragraphes en petits caractères que personne ne lit. Des conseils de rédaction ?",
        a(
            "Quelques règles simples :\n\n- **Une consigne = une action**, à l'impératif : « Portez les lunettes », pas « Le port des lunettes est obligatoire ».\n- **Dans l'ordre de l'utilisation** : avant, pendant, après.\n- **Cinq à sept consignes maximum** par machine, le reste dans un document à part.\n- **Le danger en une phrase** : « La lame peut projeter la pièce vers vous. »\n- **Un pictogramme** par consigne, et une police grande (lisible à 2 m).\n\nTestez avec deux nouveaux membres : s'ils vous demandent ce que veut dire une consigne, réécrivez-la.",
        ),
        also=("securite-atelier",),
    ),
    q(
        "anglais",
        "Traduire « entreprise libérée » pour un article en anglais",
        "Je traduis un article sur l'organisation d'une entreprise sans managers intermédiaires. « Entreprise libérée » est-il traduisible, ou faut-il garder le terme français ?",
        a(
            "Le terme est connu en anglais sous la forme « liberated company » (ou « freedom-form company », l'expression des auteurs anglophones qui ont lancé le concept). Pour un lectorat non spécialiste, « liberated company » avec une courte explication à la première occurrence est le plus clair. Garder le terme français donne un ton d'exotisme qui ne sert pas l'article, sauf si vous parlez spécifiquement du mouvement français.",
            "Parfait, je mets « liberated company » et une phrase d'explication.",
        ),
        also=("traduction",),
    ),
    # Métal
    q(
        "soudure",
        "MIG ou TIG pour des garde-corps en inox brossé de 2 mm ?",
        "Je fabrique des garde-corps en inox 304 brossé (tubes de 42,4 × 2 mm, platines). Le client veut des soudures propres et discrètes, pas de traces de chaleur. Je soude en MIG aujourd'hui, mais le résultat demande beaucoup de reprise.",
        a(
            "TIG, sans hésiter, pour de l'inox visible de 2 mm : bain plus petit, moins d'apport de chaleur et de projections. Quelques réglages qui aident :\n\n- électrode tungstène affûtée, diamètre 1,6 mm, environ 60-70 A pour du 2 mm ;\n- **protection envers** (gaz à l'intérieur du tube) si la soudure est traversante, sinon l'intérieur s'oxyde et le métal perd sa tenue à la corrosion ;\n- pointage nombreux et soudure alternée pour limiter la déformation.\n\nEnsuite, décapage-passivation (gel ou électrolytique) pour retirer les colorations, puis reprise du brossage dans le sens du grain.",
            "Le nettoyage électrolytique, ça vaut l'investissement pour un atelier de trois ?",
            "Si vous faites de l'inox visible toutes les semaines, oui : bien plus rapide et moins dangereux que les gels à l'acide fluorhydrique.",
        ),
        a(
            "Complément : gardez des outils dédiés à l'inox (brosses, disques). Une brosse qui a servi sur de l'acier noir dépose des particules qui rouillent en surface quelques semaines plus tard.",
            by="antoine",
        ),
        also=("chaudronnerie",),
    ),
    q(
        "chaudronnerie",
        "Calculer le développé d'une tôle pliée à 90° en 3 mm",
        "Je dois plier des équerres en acier S235 de 3 mm (ailes extérieures de 50 × 80 mm) sur une presse plieuse avec un V de 24. Mes pièces sortent systématiquement 2 à 3 mm trop longues. Comment calculer le développé correctement ?",
        a(
            "Vous retirez probablement trop peu au pli. Le développé = somme des ailes extérieures − déduction de pli. Pour de l'acier doux de 3 mm avec un V de 24 (8 × épaisseur), la déduction est autour de **5 à 5,5 mm** par pli à 90°.\n\nDonc : 50 + 80 − 5,2 ≈ **124,8 mm**.\n\nMais la méthode la plus fiable reste l'essai : pliez une bande de 100 × 100 (200 mm de développé) avec votre outillage, mesurez les ailes, et déduisez votre propre valeur. Notez-la sur une fiche près de la plieuse par épaisseur et par V.",
            "Essai fait : déduction de 5,4 mm chez nous. Les pièces tombent au dixième maintenant.",
        ),
        also=("soudure",),
    ),
    # Graphisme, typo, impression
    q(
        "impression",
        "Fichier refusé par l'imprimeur : « noir composé, taux d'encrage trop élevé »",
        "J'ai envoyé une plaquette de 8 pages à un imprimeur en ligne. Refus : « taux d'encrage supérieur à 300 % sur les aplats noirs ». Mes aplats sont en noir « riche » C60 M40 J40 N100. Que dois-je changer ?",
        a(
            "Votre noir fait 60 + 40 + 40 + 100 = 240 %, donc ce n'est pas lui : cherchez les images. Une photo très sombre convertie en CMJN avec un mauvais profil dépasse souvent 320 %. Reconvertissez les images avec le profil demandé par l'imprimeur (souvent FOGRA39 ou FOGRA51 pour du couché), et vérifiez dans l'aperçu de la séparation de votre logiciel de PAO avec une alerte au-dessus de 300 %. Pour le texte en petit corps, utilisez du noir pur (N100 seul) pour éviter les problèmes de repérage.",
            "C'était bien une photo de nuit en couverture. Reconvertie avec le bon profil, fichier accepté.",
        ),
        also=("graphisme",),
    ),
    q(
        "typographie",
        "Espaces insécables avant les deux-points et points-virgules sur le web",
        "Sur un site en français, nos textes passent par un CMS et les deux-points se retrouvent parfois seuls en début de ligne. Quelle espace utiliser avant « : ; ! ? », et comment l'automatiser ?",
        a(
            "En typographie française : espace insécable (U+00A0) avant le deux-points, et espace fine insécable (U+202F) avant le point-virgule, le point d'exclamation et le point d'interrogation. Beaucoup utilisent la fine partout, c'est acceptable.\n\nPour automatiser, un filtre à l'affichage ou à l'enregistrement :\n\n```python\nimport re\n\ndef espaces_francaises(texte: str) -> str:\n    texte = re.sub(r\" ?([;!?])\", \"\\u202f\\\\1\", texte)\n    return re.sub(r\" ?:(?!//)\", \"\\u00a0:\", texte)\n```\n\nAttention aux faux positifs : adresses web (d'où le `(?!//)`), heures « 10:30 », code. Ne l'appliquez qu'au texte courant, pas aux blocs de code.",
            "Les heures, je n'y aurais pas pensé. Merci pour l'expression régulière.",
        ),
        also=("redaction",),
    ),
    q(
        "graphisme",
        "Comment chiffrer la création d'une identité visuelle pour une association ?",
        "Une association culturelle me demande un logo, une charte simple et des gabarits d'affiches. Petit budget annoncé, mais ils veulent « plusieurs propositions ». C'est mon premier client associatif, comment chiffrer sans me brader ?",
        a(
            "Chiffrez le travail réel en jours (recherche, pistes, déclinaisons, fichiers finaux) à votre taux habituel, puis proposez des options : une version « essentielle » (une piste développée après un atelier de cadrage, logo + deux gabarits) et une version complète. Limitez les propositions initiales à deux ou trois pistes et le nombre d'allers-retours. Si vous souhaitez faire un geste pour l'association, faites-le visible : une remise explicite sur le devis, pas un prix bas qui deviendra la référence.",
            "La remise explicite, c'est une bonne idée. Ils voient la vraie valeur du travail.",
        ),
        a(
            "Précisez aussi la cession de droits dans le devis (supports, durée, territoire) : c'est souvent oublié avec les associations, et c'est là que naissent les malentendus quand le logo part sur des t-shirts vendus."
        ),
        also=("typographie",),
    ),
    # Pédagogie
    q(
        "pedagogie",
        "Former des adultes qui n'ont pas choisi d'être en formation",
        "J'anime des formations obligatoires (sécurité incendie, gestes et postures) en entreprise. Une partie des participants arrive en traînant les pieds et le fait savoir. Comment éviter que la journée soit pénible pour tout le monde ?",
        a(
            "Quelques choses qui changent l'ambiance :\n\n- **Reconnaître la contrainte** dès le début : « Vous n'avez pas choisi d'être là, je vais essayer que ça vous serve quand même. »\n- **Partir de leur expérience** : « Qui a déjà vu un départ de feu ? Qu'est-ce qui s'est passé ? » Les anecdotes des participants valent mieux que les diapositives.\n- **Faire manipuler tôt** : extincteur, mise en situation, dès la première heure.\n- **Raccourcir la théorie** au strict nécessaire, et donner un support d'une page à emporter.\n\nEt ne prenez pas les réticents de front : ce sont souvent eux qui ont le plus d'expérience du terrain, donnez-leur un rôle.",
            "Le coup de leur donner un rôle marche très bien, je l'ai vu faire par un collègue. Merci.",
        ),
        also=("securite-atelier",),
    ),
    q(
        "pedagogie",
        "Évaluer sans noter en classe de cinquième",
        "Notre collège expérimente l'évaluation par compétences en cinquième. Les parents réclament des notes, certains élèves ne comprennent plus où ils en sont. Comment rendre le système lisible ?",
        a(
            "Ce qui aide le plus : des compétences formulées en langage d'élève (« je sais calculer une aire », pas « modéliser »), quatre niveaux avec des exemples concrets de ce que veut dire chaque niveau, et un bilan écrit qui dit toujours quoi faire pour progresser. Faites une réunion avec les parents en montrant une copie réelle évaluée. Et laissez les élèves s'auto-évaluer avant de rendre la copie : ils comprennent vite la grille quand ils s'en servent."
        ),
        also=("mathematiques",),
    ),
    # Bâtiment
    q(
        "isolation",
        "Isoler des murs en pierre de 60 cm par l'intérieur sans créer d'humidité",
        "Maison en pierre de 1890 dans le Morvan, murs de 60 cm, enduit intérieur plâtre en mauvais état. Un artisan propose laine de verre + plaque de plâtre avec pare-vapeur. Un autre dit que ça va faire pourrir les murs. Qui a raison ?",
        a(
            "Le second, en grande partie. Un mur ancien en pierre et mortier de chaux « respire » : il absorbe de l'humidité (remontées capillaires, pluie) et la restitue vers l'intérieur. Un pare-vapeur plus un isolant non capillaire bloquent ce séchage, l'eau se concentre à l'interface et le mur se dégrade (et l'isolant aussi).\n\nSolutions adaptées :\n\n- **enduit chaux-chanvre** de 5 à 8 cm, ou **fibre de bois** avec enduit à la chaux ;\n- un **frein-vapeur hygrorégulant** plutôt qu'un pare-vapeur, si vous posez un doublage ;\n- traiter d'abord les causes d'humidité : gouttières, enduit extérieur ciment à retirer, drainage en pied de mur.",
            "L'enduit extérieur est justement en ciment depuis les années 70. On commence par là ?",
            "Oui, c'est la priorité : un enduit ciment enferme l'humidité. Le remplacer par un enduit chaux change souvent plus le confort que l'isolation elle-même.",
        ),
        a(
            "Les fiches du réseau d'artisans spécialistes du bâti ancien de votre région sont une bonne base pour comparer les devis. Demandez aux entreprises des références de chantiers similaires.",
            by="paul",
        ),
        also=("renovation",),
    ),
    q(
        "renovation",
        "Ordre des travaux pour rénover une maison des années 70 sur trois ans",
        "Nous avons acheté une maison de 1974 (110 m², chauffage fioul, simple vitrage en partie, combles isolés en 1990). Budget total environ 80 000 € étalé sur trois ans. Dans quel ordre faire les travaux pour ne pas refaire deux fois ?",
        a(
            "L'ordre classique, de l'enveloppe vers les équipements :\n\n1. **Audit énergétique** (obligatoire pour certaines aides, et utile de toute façon) ;\n2. **Toiture et combles** : l'isolation des combles est la moins chère pour le gain le plus fort ;\n3. **Menuiseries et murs** ensemble si possible, pour traiter la jonction fenêtre/isolant ;\n4. **Ventilation** : dès que la maison devient étanche, une VMC est indispensable ;\n5. **Chauffage en dernier** : une pompe à chaleur dimensionnée pour la maison isolée sera plus petite et moins chère.\n\nL'erreur fréquente : changer la chaudière en premier, puis isoler, et se retrouver avec un appareil surdimensionné.",
            "Logique imparable pour le chauffage. On a failli faire l'erreur, le chauffagiste nous pressait.",
        ),
        also=("isolation",),
    ),
    q(
        "architecture",
        "Permis de construire ou déclaration préalable pour une extension de 35 m² ?",
        "Maison en zone urbaine d'un PLU, 120 m² de surface de plancher. Nous voulons une extension en bois de 35 m². La mairie nous parle de permis de construire, un voisin dit qu'une déclaration suffit jusqu'à 40 m².",
        a(
            "Les deux ont en partie raison : en zone urbaine d'un PLU, une extension jusqu'à 40 m² relève de la déclaration préalable, **sauf** si elle porte la surface totale au-delà de 150 m². Vous passeriez à 155 m² : c'est donc un permis de construire, et en plus le recours à un architecte devient obligatoire puisque vous dépassez 150 m². Vérifiez le calcul de la surface de plancher existante (certains espaces ne comptent pas), ça peut tout changer à quelques mètres carrés près.",
            "On est à 118 m² exactement selon le calcul de l'architecte… 153 m², donc permis quand même. Merci pour l'explication.",
        ),
        also=("renovation",),
    ),
    # Questions courtes, certaines encore sans réponse
    q(
        "menuiserie",
        "Quelle lame de scie circulaire pour débiter du contreplaqué bouleau sans éclats ?",
        "Je débite des panneaux de contreplaqué bouleau de 18 mm pour des étagères, sur une scie plongeante. La face du dessus est propre, celle du dessous est éclatée. Lame d'origine 48 dents.",
        a(
            "Lame de 60 à 64 dents à denture alternée (ATB), une profondeur de coupe qui dépasse juste de 3-4 mm, et surtout le pare-éclats (ou une bande de ruban de masquage sur le trait) côté sortie de lame. Sur une plongeante, la face propre est celle du dessus : mettez la face visible vers le haut."
        ),
        also=("securite-atelier",),
    ),
    q(
        "comptabilite",
        "Où classer l'abonnement à un logiciel en ligne dans le plan comptable ?",
        "Petite SAS, nous payons plusieurs abonnements mensuels (logiciel de facturation, stockage en ligne, outil de visio). Je les mettais en 6068, mon nouveau comptable dit 613 ou 651. Qui a raison ?",
        a(
            "Pour un abonnement à un logiciel en ligne (vous n'achetez pas de licence, vous payez un droit d'usage), le compte 6135 « locations mobilières » ou 651 « redevances pour concessions, brevets, licences, logiciels » selon la nature du contrat. Le 6068 (autres matières et fournitures) n'est pas adapté. L'important est d'être cohérent d'une année à l'autre ; suivez votre comptable, il verra votre balance dans son ensemble.",
            "OK, je m'aligne sur lui. Merci pour l'explication des deux comptes.",
        ),
    ),
    q(
        "python",
        "Pourquoi mon script Python est plus lent dans un conteneur Docker ?",
        "Un script de traitement d'images met 4 minutes sur mon portable et 11 minutes dans un conteneur `python:3.12-slim` sur le même portable. Même code, mêmes données. D'où peut venir l'écart ?",
        a(
            "Trois suspects classiques : le conteneur n'a accès qu'à une partie des CPU (vérifiez `--cpus` et ce que renvoie `os.cpu_count()` dedans), les données sont lues depuis un volume monté lent (sur macOS et Windows, les montages de fichiers sont beaucoup plus lents), ou les roues binaires diffèrent (une bibliothèque compilée sans optimisations dans l'image). Copiez les données dans le conteneur pour tester : si l'écart disparaît, c'est le volume.",
            "C'était le volume monté sous macOS. Données copiées dans le conteneur : 4 min 20. Merci !",
        ),
        also=("devops",),
    ),
    q(
        "droit-du-travail",
        "Combien de jours pour poser un congé de naissance ?",
        "Futur papa, salarié dans une PME. Je ne trouve pas clairement dans quel délai je dois prévenir mon employeur pour le congé de naissance et le congé paternité.",
        a(
            "Pour le congé de paternité et d'accueil de l'enfant, prévenez votre employeur au moins un mois avant la date prévue de l'accouchement (date présumée), en précisant les dates de prise et la durée des périodes. Le congé de naissance de trois jours, lui, se prend à partir du jour de la naissance ou du premier jour ouvrable qui suit. Faites-le par écrit (mail ou lettre remise en main propre), c'est plus simple pour tout le monde."
        ),
    ),
    q(
        "electricite",
        "Section de câble pour une borne de recharge de 7 kW à 25 m du tableau",
        "Borne monophasée 32 A, 25 m de câble dont 15 m enterrés sous gaine jusqu'au garage. Le client veut éviter la tranchée deux fois. Quelle section ?",
        a(
            "En monophasé 32 A sur 25 m, le 6 mm² passe pour la chute de tension, mais je mets du **10 mm²** dès que le câble est enterré ou long : marge pour la chute de tension sous charge continue pendant des heures, et ça permet une évolution. Câble U1000 R2V en gaine TPC de diamètre 63 ou 75 mm pour la partie enterrée, grillage avertisseur rouge à 20 cm au-dessus.\n\nProtection : disjoncteur 40 A courbe C et différentiel 30 mA de type A (ou type B selon ce que la borne intègre comme détection de courant continu).",
            "Et si la maison passe en triphasé plus tard ?",
            "Tirez un 5G10 au lieu d'un 3G10 : le surcoût est faible comparé à une nouvelle tranchée.",
        ),
        also=("photovoltaique",),
    ),
    q(
        "ux-design",
        "Faut-il un champ de confirmation du mot de passe à l'inscription ?",
        "Notre designer a supprimé le champ « confirmer le mot de passe » sur le formulaire d'inscription. Depuis, les demandes de réinitialisation de mot de passe ont augmenté de 30 %. Coïncidence ?",
        a(
            "Probablement pas une coïncidence si rien d'autre n'a changé. L'alternative courante au double champ est un bouton « afficher le mot de passe » : l'utilisateur vérifie ce qu'il a tapé, sans la friction d'une deuxième saisie. Vérifiez aussi que le gestionnaire de mots de passe du navigateur propose bien d'enregistrer (bons attributs `autocomplete=\"new-password\"`) : c'est souvent ce qui réduit le plus les oublis.",
            "On a ajouté le bouton « afficher » et corrigé l'autocomplete : retour au niveau d'avant en trois semaines.",
        ),
        also=("securite-informatique",),
    ),
    q(
        "hygiene-alimentaire",
        "Durée de vie d'une crème pâtissière maison en vitrine",
        "Nous faisons nos éclairs et choux le matin. Combien de temps peut-on garder une crème pâtissière au froid, et les choux garnis en vitrine réfrigérée ?",
        a(
            "La durée de vie, c'est à vous de la fixer et de la justifier dans votre plan de maîtrise sanitaire (par des analyses ou le guide de bonnes pratiques de la profession). En pratique, beaucoup de boulangeries retiennent 24 h pour la crème après refroidissement rapide, et la vente dans la journée pour les pièces garnies, vitrine à 4 °C au plus. Étiquetez les bacs avec la date et l'heure de fabrication."
        ),
        also=("boulangerie",),
    ),
    q(
        "linux",
        "Tâche cron qui marche à la main mais pas la nuit",
        "Mon script de sauvegarde fonctionne quand je le lance dans un terminal, mais lancé par cron à 2 h, il échoue sans rien dans les logs. Debian 12.",
        a(
            "Cron tourne avec un environnement minimal : `PATH` réduit (`/usr/bin:/bin`), pas de variables de votre shell, répertoire courant différent. Trois réflexes :\n\n```cron\nPATH=/usr/local/bin:/usr/bin:/bin\n0 2 * * * /home/lucas/bin/sauvegarde.sh >> /var/log/sauvegarde.log 2>&1\n```\n\n- chemins absolus partout dans le script ;\n- redirection de la sortie et des erreurs vers un fichier, sinon les erreurs partent dans un mail local que personne ne lit ;\n- ou passez à un timer systemd : les sorties arrivent dans `journalctl -u sauvegarde`.",
            "La redirection m'a montré l'erreur : `restic: command not found`. Installé dans /usr/local/bin. Réglé.",
        ),
        also=("devops",),
    ),
    q(
        "statistiques",
        "Moyenne ou médiane pour le délai de traitement des dossiers ?",
        "Nous publions chaque trimestre le délai moyen de traitement des demandes (32 jours). Quelques dossiers bloqués prennent plus d'un an et tirent la moyenne vers le haut. Que publier ?",
        a(
            "Publiez la médiane (la moitié des dossiers traités en moins de X jours), plus un centile élevé : « 90 % des dossiers en moins de Y jours ». La médiane décrit ce que vit un demandeur typique, le 90e centile montre que vous ne cachez pas la queue de distribution. La moyenne seule est trompeuse dans les deux sens : elle peut baisser parce qu'on a traité beaucoup de dossiers simples pendant que les bloqués restent bloqués."
        ),
        a(
            "Et suivez à part le nombre de dossiers de plus de six mois : c'est souvent là que se trouvent les vrais problèmes, et ils disparaissent dans n'importe quel indicateur central."
        ),
    ),
    q(
        "ergonomie",
        "Bureau assis-debout : combien de temps debout par jour ?",
        "On vient de recevoir des bureaux réglables au bureau. Certains collègues restent debout toute la journée, d'autres jamais. Y a-t-il une recommandation ?",
    ),
    q(
        "maraichage",
        "Conserver les carottes d'hiver sans chambre froide",
        "Environ 600 kg de carottes à stocker de novembre à mars. Pas de chambre froide, un hangar en pierre non chauffé. Méthode ?",
        a(
            "Le silo à l'ancienne fonctionne très bien : caisses remplies de sable légèrement humide (ou de terre fine), carottes non lavées, fanes coupées à 1 cm, dans le hangar à l'abri du gel. Pour 600 kg, une dizaine de grosses caisses. Alternative : laisser en terre sous un paillage épais et récolter au fur et à mesure, si votre sol est bien drainé et que les campagnols ne sont pas trop nombreux.",
            "Le sable, c'est du sable de rivière lavé ?",
            "Oui, du sable lavé, pour éviter d'apporter des maladies. Il se réutilise plusieurs années s'il a bien séché l'été.",
        ),
    ),
    q(
        "securite-informatique",
        "Un agent a cliqué sur un lien d'hameçonnage et saisi son mot de passe : que faire ?",
        "Ce matin, un agent a saisi ses identifiants de messagerie sur une fausse page de connexion. Il s'en est rendu compte 20 minutes plus tard. Quelles actions dans l'ordre ?",
        a(
            "Dans l'ordre, et vite :\n\n1. **Changer le mot de passe** du compte et **fermer toutes les sessions** ouvertes ;\n2. vérifier les **règles de transfert** et de tri ajoutées dans la messagerie (les attaquants ajoutent souvent un transfert discret) ;\n3. regarder les **connexions récentes** (adresses, pays) et les mails envoyés depuis le compte ;\n4. si le même mot de passe servait ailleurs, le changer partout ;\n5. prévenir les collègues, car les attaques suivantes partent souvent du compte compromis ;\n6. noter ce qui s'est passé et, si des données personnelles ont pu être consultées, évaluer s'il faut notifier l'autorité de protection des données sous 72 h.\n\nEt remerciez l'agent de l'avoir signalé : c'est ce qui vous a permis de réagir en 20 minutes.",
            "Il y avait bien une règle de transfert vers une adresse externe, créée 12 minutes après la saisie. Supprimée.",
        ),
        also=("rgpd",),
    ),
    q(
        "soudure",
        "Quel gaz pour souder de l'aluminium en MIG ?",
        "Je dois souder des cadres en aluminium 5754 de 3 mm (remorque légère). J'ai un poste MIG avec une bouteille de mélange argon-CO2 pour l'acier. Est-ce que ça passe ?",
        a(
            "Non : pour l'aluminium, argon pur (ou argon-hélium pour les fortes épaisseurs). Le CO2 oxyde le bain et la soudure sera poreuse. Il faut aussi une gaine téflon ou graphite, des galets en U, et idéalement une torche push-pull ou un spool gun : le fil alu est mou et flambe dans une gaine acier. Fil 5356 pour du 5754.",
            "Je n'avais pas pensé à la gaine. Je vais voir si mon poste accepte un spool gun.",
        ),
        a(
            "Et nettoyez à la brosse inox dédiée juste avant de souder : la couche d'oxyde se reforme en quelques heures. C'est la moitié des soudures ratées sur alu."
        ),
        also=("chaudronnerie",),
    ),
    q(
        "gestion",
        "Relancer un client qui paie systématiquement à 90 jours",
        "Un client régulier (environ 15 % de notre chiffre d'affaires) règle nos factures à 90 jours alors que nos conditions indiquent 30 jours. Nous avons peur de le froisser. Comment s'y prendre ?",
        a(
            "Rappelez-vous d'abord que les délais de paiement entre professionnels sont plafonnés par la loi et que les pénalités de retard et l'indemnité forfaitaire de recouvrement sont dues de plein droit, même si vous ne les appliquez pas. Ensuite, méthode douce mais régulière :\n\n1. une relance automatique courtoise à J+1 de l'échéance ;\n2. un appel à J+10 à la comptabilité fournisseurs (pas à votre interlocuteur habituel) : souvent, la facture est bloquée faute d'un numéro de commande ;\n3. un courrier mentionnant les pénalités à J+30.\n\nLa plupart des « mauvais payeurs » sont des clients mal organisés.",
            "Effectivement, il leur manquait notre numéro de bon de commande sur chaque facture. Réglé depuis.",
        ),
        a(
            "Parlez-en aussi lors du prochain rendez-vous commercial, simplement : « nos conditions sont à 30 jours, pouvez-vous nous aider à les respecter ? ». Un client à qui on demande franchement accepte souvent."
        ),
        a(
            "Si rien ne bouge, un escompte pour paiement rapide (1 % à 10 jours) peut être moins cher que le découvert que ce client vous coûte."
        ),
        also=("comptabilite",),
    ),
    q(
        "rgpd",
        "Registre des traitements pour une association de 40 bénévoles : par où commencer ?",
        "Notre association gère des adhérents, des bénévoles, une liste de donateurs et un fichier de familles accompagnées (avec des informations sensibles). Nous n'avons jamais fait de registre. Quel niveau de détail viser pour commencer ?",
        also=("gestion",),
    ),
    q(
        "devops",
        "Surveiller une dizaine de serveurs sans y passer ses soirées",
        "Nous avons douze machines virtuelles (web, bases, messagerie) pour une fédération d'associations. On apprend les pannes par les utilisateurs. Quel outillage minimal pour être alertés avant eux ?",
        a(
            "Commencez par des sondes externes simples (une page répond, un certificat n'expire pas dans 15 jours, le disque n'est pas plein à 90 %) avec un outil de supervision léger et des alertes par mail ou messagerie. Trois alertes utiles valent mieux que cinquante graphiques. Ajoutez ensuite les métriques machines (Prometheus et node_exporter, par exemple) quand vous saurez quelles questions vous vous posez. Et définissez qui reçoit l'alerte le week-end, sinon personne ne la lit.",
            "Le contrôle d'expiration des certificats, c'est exactement la panne qu'on a eue le mois dernier.",
        ),
        also=("linux",),
    ),
    # Discussions
    Post(
        "fr",
        "facilitation",
        "Transcription : « Une entreprise sans chefs, dix ans après »",
        "Voici la transcription de mon intervention aux rencontres régionales de l'économie sociale à Grenoble.\n\nDix ans après avoir supprimé les postes de chefs d'équipe, ce qui a tenu : les collectifs tournants, les décisions par consentement, la reconnaissance des compétences plutôt que des titres. Ce qui a échoué : les réunions plénières pour tout, et l'idée que chacun pourrait tout savoir.\n\nVos retours et vos propres expériences sont les bienvenus, surtout les échecs.",
        (
            a(
                "Merci pour le partage. Chez nous, l'échec a été le même : les plénières. On a fini par réserver la plénière aux décisions qui touchent tout le monde, une fois par mois, et tout le reste en petits groupes."
            ),
            a(
                "La partie sur les compétences m'intéresse : comment faites-vous pour qu'une compétence reconnue par les pairs ne devienne pas un concours de popularité ?",
                "On demande un exemple concret à chaque recommandation : « elle m'a aidé à débloquer tel chantier ». Ça limite les recommandations de complaisance.",
            ),
        ),
        by="camille",
        kind="discussion",
        tags=("facilitation", "gestion-de-projet"),
    ),
    Post(
        "fr",
        "pedagogie",
        "Apprentis : ce que j'aurais aimé savoir avant d'accueillir le premier",
        "Après huit apprentis en dix ans à l'atelier, quelques leçons en vrac :\n\n- le premier mois, il faut un tuteur disponible, pas juste nommé ;\n- ce qui démotive le plus un apprenti, c'est de balayer pendant qu'on fait les pièces intéressantes ;\n- les allers-retours avec le CFA sont précieux, il faut y aller au moins une fois par an ;\n- l'apprenti voit nos mauvaises habitudes de sécurité et les reproduit.\n\nEt vous, quelles leçons ?",
        (
            a(
                "Le point sur la sécurité est tellement vrai. On a revu nos propres pratiques à l'arrivée de notre apprentie : elle posait des questions auxquelles on n'avait pas de bonne réponse."
            ),
        ),
        by="antoine",
        kind="discussion",
        tags=("pedagogie", "securite-atelier"),
    ),
    Post(
        "fr",
        "gestion",
        "Retour d'expérience : passer à la semaine de quatre jours dans un cabinet de huit",
        "Depuis un an, notre cabinet comptable fonctionne en semaine de quatre jours (35 h sur quatre jours, le cabinet reste ouvert cinq jours par roulement). Bilan chiffré : absentéisme divisé par deux, aucune perte de clients, mais un mois de mai très tendu avec les liasses fiscales.\n\nJe partage notre organisation si ça intéresse d'autres petites structures. Qui a essayé, qui a abandonné, et pourquoi ?",
        (
            a(
                "Nous avons essayé et abandonné au bout de six mois dans une agence de communication : les clients appelaient le jour où la personne concernée était absente. Le roulement ne marche que si les dossiers sont vraiment partagés."
            ),
        ),
        by="marc",
        kind="discussion",
        tags=("gestion", "ressources-humaines"),
    ),
]
