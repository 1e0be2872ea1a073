"""The words the demo data is made of: places, people, amenities, prices (naira)."""

from __future__ import annotations

from dataclasses import dataclass

from sheda.properties.models import ListingType, PropertyType
from sheda.users.schemas import DEMO_DOMAIN

DOMAIN = DEMO_DOMAIN  # every demo account's email ends with "@" + DOMAIN
# Shared by every demo account and printed at the end: published on purpose (seed-demo
# refuses to run in production).
PASSWORD = "sheda-demo-2026"  # noqa: S105
PHOTO_VARIANTS = 4  # pictures per (property type, listing type); 1 to 4 per listing


@dataclass(frozen=True)
class Place:
    city: str
    state: str
    latitude: float
    longitude: float
    price_factor: float  # against Ikeja = 1.0
    weight: int  # how many listings it gets, relatively
    areas: tuple[str, ...]
    streets: tuple[str, ...]


PLACES = (
    Place("Lekki", "Lagos", 6.4474, 3.4723, 1.8, 14,
          ("Lekki Phase 1", "Chevron", "Osapa London", "Ikate", "Agungi"),
          ("Admiralty Way", "Fola Osibo Road", "Freedom Way", "Durosimi Etti Drive")),
    Place("Ikeja", "Lagos", 6.6018, 3.3515, 1.0, 10,
          ("GRA Ikeja", "Allen Avenue", "Opebi", "Alausa", "Oregun"),
          ("Isaac John Street", "Allen Avenue", "Opebi Road", "Obafemi Awolowo Way")),
    Place("Victoria Island", "Lagos", 6.4281, 3.4219, 2.4, 5,
          ("Victoria Island", "Oniru", "Eko Atlantic"),
          ("Adeola Odeku Street", "Ajose Adeogun Street", "Akin Adesola Street")),
    Place("Ikoyi", "Lagos", 6.4541, 3.4347, 2.8, 5,
          ("Old Ikoyi", "Banana Island", "Parkview Estate"),
          ("Bourdillon Road", "Glover Road", "Kingsway Road", "Alexander Avenue")),
    Place("Yaba", "Lagos", 6.5095, 3.3711, 0.8, 6,
          ("Sabo", "Akoka", "Onike", "Alagomeji"),
          ("Herbert Macaulay Way", "Commercial Avenue", "Akoka Road")),
    Place("Ajah", "Lagos", 6.4698, 3.5852, 0.9, 6,
          ("Sangotedo", "Abraham Adesanya", "Badore", "Thomas Estate"),
          ("Lekki-Epe Expressway", "Addo Road", "Badore Road", "Ogombo Road")),
    Place("Abuja", "FCT", 9.0765, 7.3986, 1.6, 14,
          ("Maitama", "Wuse 2", "Asokoro", "Gwarinpa", "Jabi", "Katampe"),
          ("Aminu Kano Crescent", "Adetokunbo Ademola Crescent", "Ahmadu Bello Way",
           "Yakubu Gowon Crescent")),
    Place("Port Harcourt", "Rivers", 4.8156, 7.0498, 1.0, 9,
          ("Old GRA", "New GRA", "Trans Amadi", "Rumuola", "Woji"),
          ("Aba Road", "Tombia Street", "Stadium Road", "Olu Obasanjo Road")),
    Place("Ibadan", "Oyo", 7.3775, 3.9470, 0.55, 8,
          ("Bodija", "Jericho", "Akobo", "Oluyole Estate"),
          ("Awolowo Avenue", "Jericho Road", "Akobo Road", "Ring Road")),
    Place("Enugu", "Enugu", 6.4584, 7.5464, 0.6, 7,
          ("Independence Layout", "GRA Enugu", "Trans-Ekulu", "New Haven"),
          ("Ogui Road", "Zik Avenue", "Abakaliki Road", "Chime Avenue")),
    Place("Benin City", "Edo", 6.3350, 5.6037, 0.55, 4,
          ("GRA Benin", "Ugbowo", "Ikpoba Hill"),
          ("Airport Road", "Sapele Road", "Akpakpava Road")),
    Place("Abeokuta", "Ogun", 7.1475, 3.3619, 0.45, 3,
          ("Oke-Mosan", "Ibara GRA", "Kuto"),
          ("Quarry Road", "Ibara Housing Road", "Presidential Boulevard")),
    Place("Kano", "Kano", 12.0022, 8.5920, 0.5, 4,
          ("Nassarawa GRA", "Bompai", "Tarauni"),
          ("Zoo Road", "Bompai Road", "Audu Bako Way")),
    Place("Uyo", "Akwa Ibom", 5.0377, 7.9128, 0.55, 3,
          ("Ewet Housing Estate", "Shelter Afrique", "Osongama"),
          ("Oron Road", "Nwaniba Road", "Abak Road")),
)

# (first name, last name, agency, home city) of the demo agents; agentN@ is the N-th.
AGENTS = (
    ("Adaeze", "Okafor", "Lekki Homes & Realty", "Lekki"),
    ("Babatunde", "Adeyemi", "Ikeja Prime Properties", "Ikeja"),
    ("Fatima", "Bello", "Capital Keys Realty", "Abuja"),
    ("Ifeoma", "Nwosu", "Garden City Property Partners", "Port Harcourt"),
    ("Chinedu", "Eze", "Coal City Estates", "Enugu"),
)
CLIENTS = (
    ("Emeka", "Obi"), ("Aisha", "Mohammed"), ("Tolu", "Ogunleye"), ("Ngozi", "Chukwu"),
    ("Kunle", "Afolabi"), ("Zainab", "Yusuf"), ("Segun", "Olawale"), ("Chiamaka", "Ibe"),
    ("Musa", "Abdullahi"), ("Funmi", "Adebayo"),
)
# Visitors who send leads without an account.
VISITORS = (
    ("Ibrahim", "Lawal"), ("Blessing", "Okon"), ("Yetunde", "Balogun"), ("Obinna", "Nnamdi"),
    ("Hauwa", "Sani"), ("Damilola", "Oyelaran"), ("Uche", "Madu"), ("Kemi", "Alabi"),
)
BANKS = ("Access Bank", "GTBank", "First Bank of Nigeria", "Zenith Bank", "UBA",
         "Stanbic IBTC", "Fidelity Bank", "Wema Bank")

AMENITIES = (
    "24-hour power", "air conditioning", "balcony", "borehole", "boys quarters", "cctv",
    "elevator", "fenced", "fitted kitchen", "gated estate", "generator", "gym", "parking",
    "playground", "security", "solar power", "swimming pool", "water heater", "wifi",
)
_HOME = tuple(a for a in AMENITIES if a not in {"fenced"})
AMENITIES_BY_TYPE: dict[PropertyType, tuple[str, ...]] = {
    PropertyType.APARTMENT: _HOME,
    PropertyType.HOUSE: tuple(a for a in _HOME if a != "elevator"),
    PropertyType.LAND: ("fenced", "gated estate", "security"),
    PropertyType.SHORTLET: ("24-hour power", "air conditioning", "wifi", "water heater",
                            "fitted kitchen", "parking", "security", "swimming pool", "gym",
                            "balcony", "cctv", "elevator"),
    PropertyType.SHARED_APARTMENT: ("borehole", "fitted kitchen", "security", "wifi", "parking",
                                    "generator", "water heater", "24-hour power"),
    PropertyType.COMMERCIAL: ("24-hour power", "air conditioning", "cctv", "elevator",
                              "generator", "parking", "security", "solar power", "borehole"),
}

# How often each kind is listed, and the share of it that is for rent.
TYPE_WEIGHTS = {
    PropertyType.APARTMENT: (35, 0.7),
    PropertyType.HOUSE: (25, 0.5),
    PropertyType.LAND: (12, 0.08),
    PropertyType.SHORTLET: (10, 1.0),
    PropertyType.SHARED_APARTMENT: (8, 1.0),
    PropertyType.COMMERCIAL: (10, 0.6),
}
# Every combination that makes sense; the first listings cover each of them once.
COMBINATIONS = tuple(
    (kind, listing)
    for kind, (_, rent_share) in TYPE_WEIGHTS.items()
    for listing in ListingType
    if (listing is ListingType.RENT and rent_share > 0) or (
        listing is ListingType.SALE and rent_share < 1)
)

# Monthly rent and sale price in naira by bedrooms, at price_factor 1.0.
RENT_BY_BEDROOMS = {
    PropertyType.APARTMENT: {1: 180_000, 2: 300_000, 3: 450_000, 4: 650_000},
    PropertyType.HOUSE: {2: 400_000, 3: 600_000, 4: 900_000, 5: 1_300_000, 6: 1_800_000},
    PropertyType.SHORTLET: {1: 900_000, 2: 1_400_000, 3: 2_000_000},
    PropertyType.SHARED_APARTMENT: {1: 70_000},
}
SALE_BY_BEDROOMS = {
    PropertyType.APARTMENT: {1: 35_000_000, 2: 55_000_000, 3: 80_000_000, 4: 120_000_000},
    PropertyType.HOUSE: {2: 45_000_000, 3: 75_000_000, 4: 130_000_000, 5: 220_000_000,
                         6: 350_000_000},
}
PLOT_SQFT = 6_975  # one standard Lagos plot, 648 m²
LAND_SALE_PER_PLOT = 12_000_000
LAND_RENT_PER_PLOT = 100_000
COMMERCIAL_RENT_PER_SQFT = 450
COMMERCIAL_SALE_PER_SQFT = 55_000

APARTMENT_WORDS = ("flat", "apartment", "serviced apartment")
HOUSE_WORDS = ("bungalow", "terrace duplex", "semi-detached duplex", "fully detached duplex")
COMMERCIAL_WORDS = ("office space", "shop", "warehouse", "event hall", "plaza office suite")
ADJECTIVES = ("Newly built", "Spacious", "Well-finished", "Affordable", "Luxury", "Modern",
              "Tastefully finished", "Renovated")
LAND_TITLES = ("C of O", "Governor's consent", "registered survey", "deed of assignment")

LEASE_TERMS = "Available on lease, quoted per month; the minimum lease is five years."
RENT_TERMS = (
    "Rent is quoted per month; one year upfront is preferred. Agency and legal fees apply.",
    "Monthly rent as quoted, with a refundable caution deposit.",
    "Quoted per month. Service charge covers security, waste and estate power.",
)
SALE_TERMS = (
    "Title: {title}. Inspection by appointment.",
    "Comes with {title}; a payment plan can be discussed with serious buyers.",
    "Genuine {title}; survey and documents available on request.",
)
LEAD_MESSAGES = {
    "general": ("Is this still available? What is the total package for the first year?",
                "Good day, is the price negotiable?",
                "Please can you share more photos and the service charge?"),
    "callback": ("Please call me back to discuss the payment terms.",
                 "I'm interested. Kindly call me when you are free.",
                 "Call me please, I would like to know about the neighbourhood."),
    "site_visit": ("I'd like to inspect the property this weekend.",
                   "Can I come for an inspection on Saturday morning?",
                   "When is the next inspection day? I can come any weekday after work."),
}
CONTACT_TIMES = ("Weekdays after 5pm", "Weekend mornings", "Anytime", "Lunch time (12-2pm)")
NOTES = (
    "Called; wants to inspect on Saturday.",
    "Sent the floor plan and the price breakdown by email.",
    "Asked about a payment plan; forwarded to the landlord.",
    "Did not pick up; will try again tomorrow.",
    "Inspection done, client is comparing with two other listings.",
    "Budget is below the asking price; offered a similar unit.",
)

# --- chats between demo clients and agents ----------------------------------------------
# A beat is a short exchange: ("c" | "a", text) lines, c for the client, a for the agent.
# Placeholders: {client} {agent} (first names), {title} {area} {price} (the listing, or the
# agent's home area for chats about no listing), {city} {beds} {budget} {day} {time}.
CHAT_OPENERS_LISTING = (
    (("c", "Good afternoon. I saw your listing “{title}”."), ("c", "Is it still available?"),
     ("a", "Good afternoon {client}. Yes, it is still available."),
     ("a", "Would you like to come for an inspection?")),
    (("c", "Hello {agent}, is the place in {area} still available?"),
     ("a", "Hello! Yes it is. Are you looking to move in soon?"),
     ("c", "Yes, latest by next month.")),
    (("c", "Hi, I'm interested in “{title}”. Is {price} negotiable?"),
     ("a", "Hi {client}, thanks for reaching out. There is a little room, depending on the "
           "payment terms."),
     ("c", "Okay, good to know.")),
)
CHAT_OPENERS_GENERAL = (
    (("c", "Good morning {agent}. I'm looking for a {beds}-bedroom flat in {city}, budget "
           "around {budget}."),
     ("a", "Good morning {client}. I have a few options in that range. New building or an "
           "older one that is well kept?"),
     ("c", "Newer is better, but I'm flexible.")),
    (("c", "Hello, a friend referred me to you. I need a place close to {area}."),
     ("a", "Welcome! To rent or to buy?"),
     ("c", "Rent for now. Something quiet with good water supply.")),
)
CHAT_MIDDLES = (
    (("c", "Is the power supply steady there?"),
     ("a", "The estate has a central generator, and most days there is public power for "
           "18 hours or more."),
     ("c", "That's good.")),
    (("c", "How much is the service charge?"),
     ("a", "About ₦450,000 a year. It covers security, waste collection and the estate "
           "generator.")),
    (("c", "Is there parking space for two cars?"),
     ("a", "Yes, each unit has two parking spaces inside the compound.")),
    (("c", "What about water?"),
     ("a", "There's a borehole with a treatment plant, so no issues with water.")),
    (("c", "Can I see more pictures of the kitchen and the bathrooms?"),
     ("a", "Sure, I'll send them this evening."), ("a", "Sent. Let me know what you think."),
     ("c", "Thanks, the kitchen looks nice.")),
    (("c", "How far is it from the main road?"),
     ("a", "About five minutes' walk, on a tarred road.")),
    (("c", "Does the street flood when it rains?"),
     ("a", "No, it drains well. I've shown houses there for six years and it hasn't "
           "flooded.")),
    (("c", "Are pets allowed?"),
     ("a", "Small pets are fine. The landlord only asks that the compound stays clean.")),
    (("a", "Just checking in: are you still interested?"),
     ("c", "Yes I am, sorry, work has been busy this week.")),
    (("c", "What are the agency and legal fees?"),
     ("a", "Agency is 10% and legal is 10% of the first year's rent, paid once."),
     ("c", "Hmm, okay. Noted.")),
    (("c", "What are the neighbours like?"),
     ("a", "Mostly young families and working professionals. It's a quiet compound.")),
    (("c", "Does the landlord live in the compound?"),
     ("a", "No, the landlord lives abroad. A facility manager handles repairs.")),
    (("c", "Can I pay in two instalments?"), ("a", "Let me ask the landlord and get back to you."),
     ("a", "The landlord agreed: 60% now and the rest within three months."),
     ("c", "That works for me.")),
    (("c", "Is it furnished?"),
     ("a", "It comes with fitted wardrobes and a fitted kitchen. The rest is up to you.")),
    (("c", "How secure is the area?"),
     ("a", "Guards at the estate gate day and night, and CCTV on the main road.")),
    (("c", "Is there a good school nearby?"),
     ("a", "Yes, two good primary schools within ten minutes' drive.")),
    (("c", "What documents do I need to apply?"),
     ("a", "A valid ID, a letter from your employer and two guarantors."),
     ("c", "Okay, I'll get them ready.")),
    (("c", "When was the building completed?"),
     ("a", "Two years ago. Everything is still in very good condition.")),
    (("c", "Is the price final?"), ("a", "The landlord is open to offers from serious clients."),
     ("c", "I'll discuss with my spouse and come back with an offer.")),
    (("c", "Is there fibre internet in the area?"),
     ("a", "Yes, fibre runs along the street; most tenants use it.")),
    (("a", "Would {day} at {time} work for an inspection?"), ("c", "{day} works for me."),
     ("a", "Great, I'll send you the location pin."),
     ("a", "Please call me when you get to the gate.")),
    (("c", "Can I come for an inspection on {day}?"), ("a", "Yes, {day} at {time} is free."),
     ("c", "See you then.")),
    (("c", "Thanks for showing me around today."),
     ("a", "You're welcome! Let me know if you have any other questions.")),
)
CHAT_CLOSINGS = (
    (("c", "I'd like to go ahead. What's the next step?"),
     ("a", "I'll send you the offer letter and the account details this evening."),
     ("c", "Perfect, thank you!")),
    (("c", "Thank you, I'll think about it and let you know by the weekend."),
     ("a", "No problem, take your time.")),
    (("c", "We've decided to take it."), ("a", "Congratulations! I'll prepare the paperwork.")),
)
# What a client writes while waiting for an answer (the chats left unread by the agent).
CHAT_NUDGES = (
    "Good morning, any update on this?",
    "Please let me know when you're free to talk.",
    "Hello? Still waiting for the pictures.",
    "I can come for an inspection tomorrow if that works.",
    "Also, is the caution deposit refundable?",
)
CHAT_DAYS = ("Saturday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
CHAT_TIMES = ("10am", "11:30am", "1pm", "2pm", "4pm")
CHAT_BUDGETS = ("₦250,000 a month", "₦350,000 a month", "₦500,000 a month", "₦800,000 a month")
