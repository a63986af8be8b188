"""The demo's questions in English, each with the answers written for it."""

from __future__ import annotations

from .content import Post, Reply
from .content import answer as a


def q(skill: str, title: str, body: str, *replies: Reply, by: str | None = None, also: tuple[str, ...] = ()) -> Post:
    """A question tagged with its skill and the skills in `also`."""
    return Post("en", skill, title, body, replies, by, tags=(skill, *also))


POSTS = [
    # Wood
    q(
        "menuiserie",
        "Glued-up oak tabletop cupped two weeks after glue-up",
        "I glued up a 90 cm wide tabletop from six quartersawn oak boards, 32 mm thick. Flat as a pancake on day one; two weeks later it has cupped about 4 mm across the width. The boards came from the merchant at what they called 10 % and sat in my workshop for five days before milling.\n\nIs this fixable, and what did I do wrong?",
        a(
            "Five days isn't enough acclimatisation, and I'd bet the top is sitting flat on a bench so one face breathes and the other doesn't. A few things:\n\n- **Check both faces' moisture** with a pin meter. A difference of 2 % between faces is enough to cup a wide panel.\n- **Sticker it** with air on both sides for a week or two in the room it will live in; mild cupping often comes back on its own.\n- **Finish both faces equally**. An oiled top with a bare underside will move every season.\n- If it won't come back, rip it on the glue lines, re-joint and re-glue. Painful but reliable.\n\nFor fixing it to the base, use buttons or figure-eight fasteners so it can move across the width.",
            "It was flat on the bench, yes. Stickered it over the weekend and it's down to about 1 mm already.",
            "Good. Give it another week before you commit to finishing, then seal the underside the same day as the top.",
        ),
        a(
            "Alternating the growth rings when gluing up doesn't stop cupping, by the way, it just turns one big cup into a washboard. Quartersawn stock was the right call; it was the moisture."
        ),
        also=("finitions-bois",),
    ),
    q(
        "menuiserie",
        "Domino joiner or a good dowel jig for kitchen carcasses?",
        "I'm setting up a one-man shop doing fitted kitchens and wardrobes. Carcasses are 18 mm birch ply or melamine-faced chipboard. Is the cost of a domino-style joiner justified over a quality dowelling jig and a drill?",
        a(
            "For carcass work, a dowel jig with a stop and 8 mm dowels is strong enough and much cheaper. Where a floating-tenon joiner pays for itself is speed and alignment on face frames, doors and anything with angled parts. If you're doing two or three kitchens a year, buy the jig and spend the difference on a good track saw. If you're batching carcasses every week, honestly, look at confirmat screws or a line-boring setup before either."
        ),
        a(
            "I bought the joiner in my second year and don't regret it, but mostly for solid-wood furniture, not carcasses. For melamine carcasses I still use cam fittings and dowels.",
            "That matches what I'm hearing. Jig now, joiner when the furniture side grows.",
        ),
    ),
    q(
        "escaliers",
        "Calculating rise and going for a staircase with a 2,640 mm floor-to-floor height",
        "I'm building a straight flight of stairs for a cottage. Finished floor to finished floor is 2,640 mm and I have at most 3,300 mm of horizontal space. How do you work out a comfortable rise and going that fits?",
        a(
            "Start from the rise. 2,640 / 14 risers = 188.6 mm, which is within typical limits for a private stair (check your local building regulations for the maximum rise, minimum going and pitch). Then the going:\n\n- 13 treads (one fewer than risers) × going must fit in 3,300 mm, so going ≤ 253 mm;\n- check comfort with the rule 2R + G between 550 and 700 mm: 2 × 188.6 + 250 = 627 mm. Comfortable.\n\nSo 14 risers of 188.6 mm and 13 goings of 250 mm = 3,250 mm total. Measure the floor-to-floor height at both ends before cutting the strings, old floors are rarely level.",
            "Measured both ends: 2,640 and 2,652. Good thing I checked. I'll split the difference on the first riser.",
            "Better to make all risers equal and pack the bottom floor, people trip on an odd riser. 2,652 / 14 = 189.4 mm each.",
        ),
        also=("menuiserie",),
    ),
    q(
        "finitions-bois",
        "Hardwax oil stays tacky on an iroko worktop",
        "I finished an iroko worktop with hardwax oil, two coats, 24 hours apart. After a week the surface is still slightly tacky in places. Workshop at 18 °C. What went wrong?",
        a(
            "Iroko is oily, and too much oil left on the surface can't cure. Wipe the whole top with a solvent recommended by the oil maker (or white spirit) to remove the excess, let it dry a day, then apply a very thin coat and buff off everything you can after 15-20 minutes. The rule with hardwax oils is that the coat you can see is too thick. Some people also wipe oily woods with solvent just before the first coat to help adhesion.",
            "Wiped it down and buffed hard on the next coat, fully cured in two days. Thanks.",
        ),
        also=("menuiserie",),
    ),
    # Accounting, tax
    q(
        "comptabilite",
        "Cash or accrual accounting for a two-person consultancy?",
        "We're two consultants, we invoice monthly and clients pay at 60 days, sometimes 90. Our current spreadsheet is on a cash basis and we keep being surprised by tax bills. Which basis gives us a more honest picture for planning?",
        a(
            "Accrual for management, whatever you use for tax. On a cash basis, a month where you invoiced a lot looks bad because the money arrives two months later, and a month with a big payment looks great even if the work was done in spring. With accrual you see what you actually earned each month.\n\nPractically:\n\n- record income when you invoice, expenses when you receive the bill;\n- keep an **aged debtors** list (who owes what, since when) next to it;\n- set aside the tax on each invoice when you raise it, in a separate account, not when the money comes in.\n\nThe last point is what stops the tax-bill surprises.",
            "The separate tax account on invoice date is such an obvious fix. Doing it from this month.",
        ),
        also=("gestion",),
    ),
    q(
        "gestion",
        "How much cash reserve should a small workshop keep?",
        "Joinery workshop, four people, turnover about £420k. We've had two scary months this year when a big client paid late. What's a sensible cash buffer, and how do you build it without starving the business?",
        a(
            "A common target is three months of fixed costs (wages, rent, insurance, loan repayments), not three months of turnover. Build it by putting a fixed percentage of every payment received into a separate account, 3-5 % is painless. Also ask for deposits on materials: 30-40 % upfront on bespoke work is normal in joinery and covers the timber before you cut it. And chase late payers from day one, with a written reminder schedule.",
            "We've never asked for deposits on commercial jobs. Starting with the next quote.",
            "For commercial clients, staged payments work better than a deposit: on delivery of materials, on installation, on sign-off.",
        ),
        by="james",
        also=("comptabilite",),
    ),
    q(
        "fiscalite",
        "Can I claim home-office costs as a sole trader working from my kitchen table?",
        "I'm a freelance accessibility consultant working from home about 30 hours a week, mostly at the kitchen table. What can I reasonably claim for the use of my home?",
        a(
            "You can claim a proportion of household running costs (heating, electricity, broadband), based on a reasonable method such as the number of rooms used and the hours worked. Because the kitchen is also used privately, the business share will be small. Many sole traders simply use the flat-rate allowance based on hours worked per month, which is less paperwork. Keep a short written note of how you calculated it, that's what you'd show if asked. Broadband and a dedicated phone used for work are usually claimed separately."
        ),
        by="grace",
    ),
    # Software, data
    q(
        "python",
        "aiohttp client hangs after a few hundred requests",
        "I'm calling an internal API in a loop:\n\n```python\nasync def fetch(url):\n    async with aiohttp.ClientSession() as session:\n        async with session.get(url) as response:\n            return await response.json()\n\nresults = await asyncio.gather(*(fetch(u) for u in urls))  # ~5,000 urls\n```\n\nAfter a few hundred requests everything stalls. No exception, just nothing. What am I doing wrong?",
        a(
            "Two things. A new `ClientSession` per request means a new connection pool each time, so no connection reuse and lots of sockets; and `gather` over 5,000 coroutines fires them all at once. Share one session and bound the concurrency:\n\n```python\nasync def fetch_all(urls, limit=20):\n    timeout = aiohttp.ClientTimeout(total=30)\n    connector = aiohttp.TCPConnector(limit=limit)\n    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:\n        async def fetch(url):\n            async with session.get(url) as response:\n                response.raise_for_status()\n                return await response.json()\n        return await asyncio.gather(*(fetch(u) for u in urls))\n```\n\nThe connector's `limit` queues requests beyond 20, and the timeout turns a silent hang into an error you can see.",
            "That did it, 5,000 requests in 40 seconds now. Should I retry failures inside fetch?",
            "Yes, for 5xx and timeouts, with a couple of attempts and a backoff. Don't retry 4xx, they won't get better.",
        ),
        also=("devops",),
    ),
    q(
        "postgresql",
        "VACUUM doesn't shrink my table after deleting 80 % of the rows",
        "PostgreSQL 16. I deleted about 40 million old rows from an events table (around 50 million rows, 60 GB on disk). After `VACUUM ANALYZE`, the table still takes 60 GB. Disk is getting tight. How do I get the space back without a long outage?",
        a(
            "Plain `VACUUM` marks the space reusable for new rows inside the table, it doesn't give it back to the OS (except for empty pages at the very end). Your options:\n\n- **`VACUUM FULL`**: rewrites the table, returns space, but takes an exclusive lock for the whole duration. Fine if you can afford a maintenance window.\n- **`pg_repack`** (extension): rewrites the table online with only brief locks at the start and end. Needs free disk space roughly the size of the remaining data (~12 GB here).\n- If the table keeps filling with old events, **partition by month** so next time you `DROP` a partition instead of deleting rows.\n\nThe last one is what I'd do anyway; deleting tens of millions of rows is also a big WAL and replication spike.",
            "pg_repack worked, the table is 11 GB now. Partitioning is on the roadmap.",
        ),
        also=("linux",),
    ),
    q(
        "sql",
        "Finding gaps in a sequence of invoice numbers",
        "Auditors asked us to prove our invoice numbers have no gaps for the last financial year. Table `invoices(number int, issued_on date)`. Is there a clean SQL way to list missing numbers?",
        a(
            "With a window function (works in PostgreSQL, MySQL 8, SQLite 3.25+):\n\n```sql\nSELECT number + 1 AS gap_starts,\n       next_number - 1 AS gap_ends\nFROM (\n  SELECT number, lead(number) OVER (ORDER BY number) AS next_number\n  FROM invoices\n  WHERE issued_on BETWEEN '2025-04-01' AND '2026-03-31'\n) t\nWHERE next_number > number + 1;\n```\n\nEach row is a range of missing numbers. Empty result = no gaps. Also check the first number of the year follows the last of the previous year.",
            "Two gaps, both cancelled invoices that were deleted instead of credited. At least we know now.",
            "Worth changing the process so cancelled invoices get a credit note rather than deletion. That's what auditors expect to see.",
        ),
        also=("comptabilite",),
    ),
    q(
        "devops",
        "Zero-downtime deploys for a single-server web app",
        "We run a Python web app on one VM behind nginx. Each deploy restarts the app and users get a few seconds of 502s. Is there a simple way to avoid that without moving to a cluster?",
        a(
            "Run two instances on two ports and switch nginx between them: start the new version on the idle port, wait for its health check to pass, update the nginx upstream and `nginx -s reload` (reload is graceful, in-flight requests finish), then stop the old one. A 30-line script does it. Alternatively, gunicorn can do a graceful reload of workers with `kill -HUP`, which is enough if you don't change dependencies. Either way, database migrations need to be backwards compatible for the few seconds both versions run.",
            "The HUP route was enough for us, no more 502s. Thanks!",
        ),
        a(
            "Also set `proxy_next_upstream error timeout` with both ports listed in the upstream, so nginx retries on the other instance if one is restarting. Cheap safety net."
        ),
        also=("linux",),
    ),
    q(
        "linux",
        "systemd service keeps restarting and journalctl only says 'code=exited'",
        "My unit restarts every few seconds. `journalctl -u myapp` only shows `Main process exited, code=exited, status=1/FAILURE` and then the restart. The same command runs fine from my shell. Where do I even start?",
        a(
            "The difference between your shell and systemd is the environment. Start with:\n\n```bash\nsystemctl cat myapp                 # what actually runs\nsudo systemd-run --pty -p User=myapp -p WorkingDirectory=/srv/myapp /srv/myapp/.venv/bin/myapp\n```\n\nThe second command runs your program the way the unit would, with the output on your terminal. Usual culprits: a relative path that depends on the working directory, an environment variable from your `.bashrc`, a file the service user can't read, or the program writing its error to a log file instead of stderr.\n\nAlso add `StartLimitIntervalSec` / `StartLimitBurst` so it stops flapping while you debug.",
            "It was reading a `.env` from the working directory, which the unit didn't set. WorkingDirectory= fixed it.",
        ),
    ),
    q(
        "devops",
        "How do you keep secrets out of a Git repository for a small team?",
        "Three developers, one repo, a couple of servers. Our `.env` files with database passwords get passed around on chat, and once one was committed by accident. What's a reasonable setup that isn't a full secrets-management platform?",
        a(
            "A lightweight setup that works well for small teams:\n\n1. **Encrypted secrets in the repo** with a tool like `sops` using age keys: each developer and each server has a key; the file is encrypted per value so diffs stay readable.\n2. **A pre-commit hook** with a secret scanner to catch plaintext passwords before they're committed.\n3. **Rotate** the password that was committed. Removing it from history is not enough, assume it's leaked.\n\nServers decrypt at deploy time. No new service to run, and access is revoked by removing a key and re-encrypting.",
            "We rotated the leaked one yesterday. sops looks like exactly the right size for us.",
        ),
        also=("securite-informatique",),
    ),
    q(
        "statistiques",
        "Mean or median for reporting support response times?",
        "Our support team reports the average first-response time every month (currently 9 hours). A handful of tickets sit for days because they need engineering input. Management wants one number. Which should we publish?",
        a(
            'Median plus the 90th percentile, if management can stand two numbers: "half of customers hear back within 2 hours, 90 % within 11 hours". If it must be one number, the 90th percentile is the most honest about the experience of customers who wait. A mean of 9 hours probably describes almost nobody: most tickets are answered quickly and a few take days.',
            "We'll report median and P90 side by side. Managers actually liked it once they saw the chart.",
        ),
    ),
    q(
        "machine-learning",
        "Is a model with 97 % accuracy on fraud detection actually good?",
        "Our intern trained a classifier on card transactions: 97 % accuracy on the test set. Fraud is about 2 % of transactions. My gut says this is meaningless, but I can't explain why to the team.",
        a(
            'Your gut is right: a model that always says "not fraud" scores 98 % accuracy on this data. With imbalanced classes, look at **precision** (of the transactions we flag, how many are fraud?) and **recall** (of the frauds, how many do we catch?), or the precision-recall curve. Then translate it into the business: "we\'d block 400 legitimate payments a day to catch 60 % of fraud" is a conversation the team can have. Accuracy can\'t get you there.',
            "Ran the numbers: recall of 12 %. Great explanation for the team meeting, thank you.",
        ),
        also=("statistiques",),
    ),
    # Employment, contracts
    q(
        "droit-du-travail",
        "Ending a fixed-term contract early by mutual agreement",
        "An employee on a 12-month fixed-term contract wants to leave after 5 months for a permanent job elsewhere. We're happy to let her go. What paperwork protects both sides?",
        a(
            "A short written agreement signed by both of you, stating:\n\n- the agreed last working day;\n- that the contract ends by mutual agreement at the employee's request;\n- what's paid on leaving: salary to the last day, accrued but untaken holiday;\n- return of equipment, and any confidentiality obligations that continue.\n\nKeep her resignation email or letter on file too, it shows the initiative came from her. The rules on notice and end-of-contract payments vary by country, so check the ones that apply to you, but in most places a clear mutual agreement is simple and safe.",
            "Her email is on file. We'll draft the agreement this week.",
        ),
        also=("contrats",),
    ),
    q(
        "droit-du-travail",
        "Can we require staff to be reachable on their phones at weekends?",
        "We're a small facilities company. Managers want two technicians reachable every weekend in case of emergencies at client sites. Nothing is in the contracts about it. Can we just put a rota in place?",
        a(
            "Not without agreement and pay, in most jurisdictions. Being required to stay reachable and able to respond is on-call time, and it normally needs a contractual basis (or a collective agreement), compensation for the on-call period itself, and pay for any time actually worked. Rest-period rules still apply after a call-out. Talk to the team first: a fair rota with a flat weekend allowance is often welcomed, and you'll have people who volunteer.",
            "We assumed a rota was just scheduling. We'll draft an on-call policy with an allowance.",
        ),
        a(
            "Also define what counts as an emergency. Without that, on-call turns into 'answer the client's questions on Sunday', and the volunteers disappear after a month."
        ),
        also=("contrats",),
    ),
    q(
        "contrats",
        "Who owns the code a freelancer writes for us?",
        "We hired a freelance developer to build a booking system. The contract says nothing about intellectual property. Now we want to hire another developer to extend it, and the first one says the code is his. Is he right?",
        a(
            "Possibly, yes. In many jurisdictions a freelancer (unlike an employee) keeps the copyright in what they create unless there's a written assignment. You likely have an implied licence to use the system for the purpose it was built for, but whether that covers modifying and extending it is exactly the sort of thing that ends in a dispute. The clean fix is to negotiate a written assignment now, probably for a fee. For future contracts, put an IP assignment clause in from day one.",
            "He's agreed to assign it for a modest fee. Lesson learnt for the next contract.",
        ),
    ),
    q(
        "mediation",
        "Two long-standing colleagues no longer speak to each other",
        "In our 20-person office, two senior colleagues fell out over a project six months ago. They communicate only by email, copying the whole team. It's poisoning the atmosphere. HR has talked to each of them separately, without result. Is mediation worth trying, and how do you propose it without it feeling like a punishment?",
        a(
            "Yes, this is exactly what mediation is for, and six months in is not too late. How to propose it:\n\n- Present it as a **service for them**, not a sanction: \"we'd like to help you find a way of working together that suits you both\".\n- Make it **voluntary** and **confidential**: what's said in the room stays in the room; the only output is what they both agree to share.\n- Use someone **from outside** the reporting line; an external mediator if possible, so neither feels HR has taken sides.\n- Meet each separately first, then together.\n\nBe clear about the alternative: if the behaviour (copying everyone, refusing to talk) continues, that becomes a management issue. Mediation is the better option on offer, not the only thing that can happen.",
            "One agreed straight away, the other wants to think. Is it OK to wait?",
            "Yes, give a few days. Pressure makes people defensive. Often the second person agrees once they understand they can stop at any time.",
        ),
        also=("ressources-humaines",),
    ),
    # Health, ergonomics, accessibility
    q(
        "sante-au-travail",
        "Setting up a quiet room for staff in a small office",
        "We have one spare room in an office of 25 people. Staff asked for a quiet room. How do we make it genuinely restful rather than a storage room with a sofa?",
        a(
            "From the ones I've seen work:\n\n- **One rule, displayed**: no phones, no laptops, no meetings. Otherwise it becomes a spare meeting room within a month.\n- **Dimmable, warm light** and something to block the door's window.\n- A comfortable chair or two and a recliner, a blanket, a small lamp. Not a bed, people worry it looks like sleeping at work.\n- A **booking or signal** system (a simple 'in use' sign).\n- Somewhere private for people who need to take medication, pray, express milk or manage a migraine: that's often the biggest benefit.\n\nAsk the people who requested it to set it up with you.",
        ),
        also=("ergonomie",),
    ),
    q(
        "ergonomie",
        "Laptop stands for a team that hot-desks",
        "We moved to hot-desking and staff carry their laptops between desks. Neck complaints have gone up. We can't fix every desk for everyone. What's the minimum kit?",
        a(
            "Per desk: an external monitor on an adjustable arm, a keyboard and a mouse, so nobody works looking down at a laptop screen all day. Per person: a light folding laptop stand for days away from a desk. And teach people to adjust the chair and screen height every time they sit down, with a one-page guide taped to each desk. It takes 30 seconds and nobody does it unless shown.",
            "The one-pager on each desk is a nice touch, we'll do that.",
        ),
        also=("sante-au-travail",),
    ),
    q(
        "accessibilite",
        "Are placeholder-only form fields really an accessibility problem?",
        "Our designers use placeholder text instead of visible labels to save space on mobile forms. An audit flagged it. Is it worth the redesign?",
        a(
            "Yes. Placeholder-only fields cause several problems:\n\n- the hint **disappears** as soon as you type, so people with memory or attention difficulties lose track of what the field was for;\n- placeholder text usually has **low contrast**;\n- when the browser **autofills** the form, nobody can check which value went where;\n- some screen readers handle placeholders inconsistently.\n\nA visible `<label>` above the field costs about 20 px of height. If space really is critical, floating labels that stay visible above the value are a reasonable compromise.",
            "We went with labels above the fields. Completion rate on mobile actually went up 4 %.",
        ),
        a(
            "Add `autocomplete` attributes while you're in there, they help everyone, and especially people with motor impairments who struggle to type.",
            by="grace",
        ),
        also=("ux-design",),
    ),
    q(
        "ux-design",
        "How many options before a dropdown becomes worse than radio buttons?",
        "In our onboarding form, users choose their company size from 6 ranges. Product wants a dropdown for visual tidiness. I think radio buttons are better. Any evidence-based rule of thumb?",
        a(
            "For up to about 5-7 options, radio buttons are usually faster and less error-prone: all choices are visible at once and it's one tap instead of two. Dropdowns hide the options and are fiddly on mobile. Beyond roughly 10-15 options, or when people know what they're looking for (country), a dropdown or a search field wins. For 6 size ranges, radios, in a single vertical column."
        ),
    ),
    q(
        "product-management",
        "Saying no to a big customer's feature request",
        "Our largest customer (about 18 % of revenue) wants a custom reporting feature nobody else has asked for. It would take the team roughly six weeks. How do you decline without losing the account?",
        a(
            'First make sure you understand the problem behind the request, not just the feature: ask what decision the report helps them make. Often there\'s a smaller solution (an export, a scheduled query) that covers 80 % of it in days.\n\nIf you still say no:\n\n- say it clearly and early, with the reason ("six weeks of work for a feature that only you would use would delay X that you also asked for");\n- offer the alternative you found;\n- if they really need it, offer it as paid custom work on a separate timeline.\n\nCustomers handle a clear no better than a vague "it\'s on the roadmap" that never arrives.',
            "The underlying need was a monthly CSV for their finance team. Shipped in two days.",
            "Classic. Write that down as a case study for the next time someone asks for a six-week feature.",
        ),
        also=("agilite",),
    ),
    q(
        "agilite",
        "Running a retrospective when the team is tired of retrospectives",
        "Our fortnightly retros feel like a ritual. Same three sticky-note columns, same complaints, few changes. What formats have brought real change for your teams?",
        a(
            'Change the question, not just the format. A few that work: a **timeline** of the sprint where everyone marks high and low moments (reveals things people forget); a **single-topic retro** on the thing everyone avoids; or a **"what would we stop if we could"** round. Then commit to only one improvement, with an owner, and start the next retro by checking it. Teams get tired of retros that produce nothing, not of retros as such.',
            by="oscar",
        ),
        a(
            "Try skipping a retro and ask if anyone missed it. If nobody did, that tells you as much as any format.",
            "Brave but honest. We'll try the timeline first.",
        ),
    ),
    q(
        "facilitation",
        "Keeping remote meetings from being dominated by the same three voices",
        "In our weekly all-hands (30 people on video), three or four people do most of the talking. Others say afterwards they had ideas but didn't get a chance. How do you balance it online?",
        a(
            'Some techniques that work on video:\n\n- **Write before you talk**: two minutes of silent writing in a shared document, then discuss what\'s there. Quieter people contribute as much as anyone.\n- **Rounds** for important questions: everyone says one sentence, in a visible order, with the right to pass.\n- **Breakout rooms** of 4 for 10 minutes, then each room reports one point.\n- Privately ask the loudest voices to help: "could you hold back your views until others have spoken?"\n\nThe first one alone often changes the meeting.',
            "We tried silent writing on Monday. Twice as many ideas, and from people who never speak.",
        ),
        also=("agilite",),
    ),
    q(
        "gestion-de-projet",
        "Estimating a project when the client keeps changing the scope",
        "We build websites for small organisations at fixed prices. Every project grows by 30-40 % because the client adds pages and features along the way, and we absorb the cost. How do you handle scope without becoming the agency that says no to everything?",
        a(
            "Put a change process in the contract from the start: each new request gets a quick estimate in writing, and the client chooses to add it (more money or time), swap it for something of similar size, or park it for phase two. Make it easy and friendly, a short email, not a formal change order. Clients don't mind paying for additions, they mind surprises at the end. Also include a contingency of about 10 % in the original quote for the small things you'll do anyway.",
            "The 'swap it' option is clever, clients love feeling they have a choice.",
        ),
        also=("contrats",),
    ),
    # Solar, electrical
    q(
        "photovoltaique",
        "Micro-inverters or a string inverter for a partly shaded roof?",
        "South-facing roof, 14 panels. A chimney shades two panels until about 11 am in winter. The installer quotes micro-inverters at about 20 % more. Is it worth it?",
        a(
            "With only two panels shaded for part of the morning, you have three options:\n\n1. **String inverter** with panels whose bypass diodes limit the loss: the cheapest, you lose a bit in winter mornings.\n2. **String inverter + optimisers** only on the two shaded panels: a good middle ground, costs much less than micros everywhere.\n3. **Micro-inverters** everywhere: best for complex roofs with several orientations, and you get per-panel monitoring.\n\nFor your roof I'd go with option 2. Ask the installer for a shading simulation with annual figures; winter mornings are a small fraction of the year's production.",
            "The simulation says 1.8 % annual loss with a plain string. We're going with optimisers on the two panels.",
        ),
        also=("electricite",),
    ),
    q(
        "batteries",
        "How long will a home LFP battery really last?",
        "Quoted a 10 kWh LFP battery with a 10-year warranty, rated for 6,000 cycles. We'd cycle it about once a day. What degradation should we realistically expect?",
        a(
            "At one cycle a day, 6,000 cycles is about 16 years, and warranties are usually defined as a remaining capacity (often 70 % at the end of the warranty period or cycle count). Real-world LFP degradation in a garage kept between 10 and 30 °C is typically 1-2 % per year. What shortens life most is heat and sitting at 100 % state of charge. If the system lets you set the maximum charge to 90 % in summer, do it. And read the warranty for the temperature conditions of installation."
        ),
        also=("photovoltaique",),
    ),
    q(
        "electricite",
        "Sizing cable for a 7 kW EV charger 25 m from the consumer unit",
        "Single phase, 32 A charger. The run is 25 m, about half of it buried to a detached garage. What cross-section and protection would you use?",
        a(
            "I'd run 10 mm² armoured cable for 25 m partly buried: 6 mm² can pass on paper, but voltage drop at a continuous 32 A over 25 m is close to the limit, and the upsize is cheap compared to digging twice. Protection: a 40 A MCB and RCD protection of the type the charger manufacturer specifies (many chargers include DC fault detection so a Type A RCD is enough). Check your local rules on earthing arrangements for EV chargers, especially outdoors.",
            by="noah",
        ),
        a(
            "Whatever you choose, put a spare duct in the trench. Someone will want Ethernet or a second circuit to that garage within five years.",
            "Spare duct, yes. Learnt that lesson on my own house.",
        ),
        also=("photovoltaique",),
    ),
    # Food
    q(
        "patisserie",
        "Macarons crack on top and have no feet",
        "I make about 200 macarons a day for a café (Italian meringue method). For a week now, half of each batch cracks on top and the feet are almost flat. Same recipe, same oven (convection, 145 °C). The only change is a new batch of almond flour.",
        a(
            "A new batch of almond flour is the prime suspect: if it's oilier or moister, the batter behaves differently. Try:\n\n- **drying the almond flour** in the oven at 60 °C for 15 minutes and let it cool before sifting;\n- **resting** the piped shells longer until they form a skin you can touch (20-40 minutes depending on humidity);\n- checking the **oven temperature** with a separate thermometer: cracks plus flat feet often mean too hot at the start;\n- slightly less macaronage: overmixed batter spreads and cracks.\n\nChange one thing at a time, with two trays per test.",
            "Drying the flour solved most of it. The new batch was clearly damper. Thanks!",
        ),
    ),
    q(
        "boulangerie",
        "Keeping baguettes crisp for an afternoon market",
        "I bake at 5 am for a market that runs until 2 pm. By noon the baguettes are soft, especially on humid days. I transport them in closed plastic crates. Paper bags, ventilation, baking longer?",
        a(
            "Closed crates trap moisture, that's most of it. Cool completely on racks before loading, transport them standing up in open baskets or perforated crates, and bake a few minutes longer for a thicker crust. If you can, bring a second, smaller bake to the market at 11, or finish par-baked baguettes in a small oven on site, that's what the best market bakers near me do.",
            by="mia",
        ),
    ),
    q(
        "hygiene-alimentaire",
        "Labelling allergens for a small bakery counter",
        "We sell unpackaged breads and pastries over the counter. A customer with a sesame allergy asked which products contain sesame and we weren't sure. What's the practical way to handle allergen information for loose food?",
        a(
            "For food sold loose you must be able to give allergen information for each product, in writing or orally with the written information available. Practically:\n\n- a **recipe sheet** per product listing the 14 regulated allergens it contains, including those in bought-in ingredients (check the labels of your flours, mixes, fillings);\n- a **folder or tablet at the counter** with the sheets, and a sign inviting customers to ask;\n- a **cross-contact** note where relevant: sesame seeds travel everywhere in a bakery.\n\nAnd train everyone at the counter to check the folder rather than answering from memory.",
            "We had no idea the multigrain mix we buy contains sesame. Folder is being made.",
        ),
        also=("boulangerie",),
    ),
    # Growing
    q(
        "maraichage",
        "Best green manure before a tomato crop in heavy clay",
        "Heavy clay soil, tunnels are empty from November to April. I want to improve structure over winter before planting tomatoes in May. What green manure do you sow?",
        a(
            "A mix of winter rye and vetch, sown by mid-October: rye's roots open up the clay, vetch fixes nitrogen for the tomatoes. In a tunnel it grows fast, so cut it in late March and let it wilt on the surface or shallowly incorporate it, leaving three to four weeks before planting so it breaks down. Phacelia is another good option if you sow earlier, it dies with hard frost and is easy to manage.",
            "Rye and vetch it is. Do you water it in the tunnel over winter?",
            "A little, once or twice after sowing and if it looks dry in February. Tunnels dry out more than people think.",
        ),
        also=("permaculture",),
    ),
    q(
        "irrigation",
        "Drip lines clogging every summer",
        "Borehole water, 1.5 ha of vegetables on drip. By August a third of the emitters are blocked. We have a disc filter at the head. What else should we do?",
        a(
            "Find out what's clogging first. Cut open a blocked emitter:\n\n- **white, crusty**: calcium carbonate, acidify the water (target pH around 6) or inject acid periodically to clean;\n- **slimy or brown**: bacteria or iron, consider aeration/settling for iron, and chlorination flushes;\n- **sand or grit**: your filter is undersized or not cleaned often enough.\n\nAlso **flush the line ends** every two weeks (open the end caps and run for a minute). It's the cheapest maintenance there is and most farms skip it.",
            "Crusty and white. We'll test the pH and start flushing properly.",
        ),
        also=("maraichage",),
    ),
    q(
        "permaculture",
        "Is a food forest realistic on a small rented plot?",
        "I rent a 600 m² allotment-style plot on a five-year lease. I'd love to plant fruit trees and perennials, but I might have to leave. Is it worth starting?",
        a(
            "I'd focus on what pays back within five years: soft fruit (currants, gooseberries, raspberries), rhubarb, perennial herbs, and trees on dwarfing rootstocks that fruit in year two or three. Ask the landlord in writing whether you may plant trees and what happens to them when you leave; some landlords are delighted. And plant in a way you could partly take with you: many perennials divide easily."
        ),
    ),
    # Writing
    q(
        "redaction",
        "Writing error messages people actually understand",
        "Our app's error messages say things like 'Validation failed: constraint violated'. Users call support. Any guidelines for rewriting them?",
        a(
            'A good error message answers three questions in plain words: what happened, why, and what to do now. For example:\n\n- ❌ "Validation failed: constraint violated"\n- ✅ "This email address is already used by another account. Sign in instead, or use a different address."\n\nGuidelines:\n\n- place the message next to the field concerned;\n- never blame the user ("you entered an invalid date" → "Enter the date as DD/MM/YYYY");\n- keep the technical detail in the logs, not on screen;\n- keep the user\'s input so they don\'t have to type it again.',
            "We rewrote the ten most common ones. Support calls about sign-up dropped noticeably within a month.",
        ),
        also=("ux-design",),
    ),
    q(
        "traduction",
        "Translation memory tools for a freelancer on Linux",
        "I work on Linux and most agencies send me packages in formats from proprietary CAT tools. Is there a CAT tool that runs natively and exchanges TMX and XLIFF properly?",
        a(
            "OmegaT runs natively (it's Java), reads and writes TMX and XLIFF, and handles most agency packages once they're exported to XLIFF. It won't open every proprietary package format directly, so ask agencies for XLIFF exports; most will do it. Keep your memories in TMX so you're never locked in. Some freelancers also keep a Windows virtual machine for the one client who insists on a specific tool.",
            by="chloe",
        ),
        also=("linux",),
    ),
    q(
        "postgresql",
        "Connection pool exhausted under modest load",
        "Our API (4 app instances, pool size 20 each) starts throwing 'too many clients' errors at around 150 requests per second. PostgreSQL has `max_connections = 100`. Should I just raise the limit?",
        a(
            "No, raising `max_connections` mostly moves the problem: each connection costs memory and PostgreSQL doesn't get faster with hundreds of active backends. 4 × 20 = 80 connections plus admin tools and migrations is already near 100.\n\nBetter:\n\n- put **PgBouncer** in transaction mode between the apps and the database, and let it hold ~20-30 server connections;\n- look for **long transactions** holding connections (an HTTP call inside a transaction is a classic);\n- reduce each app's pool to what it really needs, often 5-10.\n\nCheck `pg_stat_activity` for `idle in transaction` sessions first, it's often the real culprit.",
            "Found an external API call inside a transaction in the checkout code. Moved it out and the errors stopped.",
        ),
        a(
            "If you do add PgBouncer in transaction mode, watch out for session-level features: prepared statements (depending on driver and version), advisory locks, `SET` without `LOCAL`.",
            by="ethan",
        ),
        also=("devops",),
    ),
    q(
        "patisserie",
        "Tempering chocolate without a marble slab",
        "Small café kitchen, no marble, no tempering machine. I need to temper about 2 kg of dark chocolate twice a week for bonbons. What method do you use?",
        a(
            "The seeding method: melt two thirds of the chocolate to 45-50 °C, then stir in the remaining third as finely chopped callets until it drops to about 31-32 °C for dark chocolate (check your couverture's curve on the packaging). Test on a strip of baking paper: it should set glossy and snap within five minutes at room temperature. Cocoa butter powder (added at 34-35 °C, about 1 %) is even more reliable if you can get it.",
            "Seeding worked first time. The paper strip test is so handy.",
        ),
    ),
    q(
        "product-management",
        "Writing a roadmap without committing to dates",
        "Sales keeps promising customers features based on our roadmap slides, which list quarters. The team can't estimate that far ahead. How do other product managers present a roadmap that's useful to sales but honest about uncertainty?",
        also=("agilite",),
    ),
    q(
        "linux",
        "Which filesystem for a small backup server with four disks?",
        "I'm building a backup server for our office: four 8 TB disks, Debian, receiving nightly backups from about 15 machines. ZFS, Btrfs, or mdadm RAID with ext4?",
        a(
            "ZFS with RAIDZ2 (or two mirrors): end-to-end checksums detect silent corruption, which is exactly what you want from a backup target, and snapshots let you keep history cheaply. Give it enough RAM (8 GB is fine at this size) and schedule a monthly scrub.",
            by="lucas",
        ),
        a(
            "mdadm + ext4 is boring and well understood, and your backup tool (restic, borg) already checksums its data. If nobody in the team knows ZFS, boring might be the right answer.",
            "Good point, the backup tool's own checks matter as much as the filesystem's.",
        ),
        a(
            "Whatever you pick: that server is not your only copy. Send a copy offsite too, a backup server in the same room as the machines burns in the same fire."
        ),
        also=("devops",),
    ),
    # Discussions
    Post(
        "en",
        "ressources-humaines",
        "Article: why skills beat job titles in small teams",
        'A short essay I wrote after ten years of working in teams under 20 people.\n\nJob titles tell you where someone sits in an org chart; they say little about what the person can actually do. In a small team, the useful question is "who has done this before?" — and the answer is often surprising: the bookkeeper who used to be a teacher, the developer who ran a bakery.\n\nShowing skills openly, with colleagues vouching for them with a concrete example, keeps that honest. What has your experience been?',
        (
            a(
                "Strongly agree. Our best facilitator is a sysadmin who used to organise festivals. Nobody knew until we started listing skills instead of titles."
            ),
            a(
                "One caveat: titles still matter outside the team, to clients and for people's careers. We kept both, and stopped using titles internally.",
                "Good point, I should have mentioned careers. People need something to put on a CV.",
            ),
        ),
        by="sarah",
        kind="discussion",
        tags=("ressources-humaines", "agilite"),
    ),
    Post(
        "en",
        "photovoltaique",
        "Five years of monitoring data from a 6 kWp system",
        "I've logged production from my own 6 kWp roof since 2021. Some observations:\n\n- yearly yield varied by ±8 % with weather, more than the panels' degradation over five years (about 2 % total);\n- cleaning the panels made no measurable difference, the rain does it;\n- the inverter was replaced once under warranty, in year four.\n\nHappy to share the spreadsheet. What have your long-term numbers shown?",
        (
            a(
                "Similar degradation here, around 0.4 % a year. Inverters are the weak point everyone forgets to budget for."
            ),
        ),
        by="noah",
        kind="discussion",
        tags=("photovoltaique", "batteries"),
    ),
    Post(
        "en",
        "sante-au-travail",
        "What made the biggest difference to your team's wellbeing this year?",
        "Not the wellness app, not the fruit bowl. For us it was protecting two mornings a week from meetings. I'm curious what small, concrete changes worked in other workplaces: occupational health is mostly lots of small things done consistently.",
        (
            a(
                "Proper breaks in the kitchen at fixed times for the whole workshop. People talk to each other, problems come up earlier."
            ),
            a("Letting people start between 7 and 10. It cost nothing and sickness absence went down."),
        ),
        by="emily",
        kind="discussion",
        tags=("sante-au-travail", "ergonomie"),
    ),
]
