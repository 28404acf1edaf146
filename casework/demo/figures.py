"""Every number the demo generator uses, in one place, each with its source.

"DOMAIN" means the figure is quoted in ``/work/shared/DOMAIN.md`` ("Figures for realistic
demo data") with its original source; "assumption" means no national figure was found
and the number is ours, chosen so the generated data reproduce the DOMAIN targets. The
targets themselves, and what the generator actually produces, are in
``docs/synthetic-data.md``; change a number here and the document's tables with it.

Categorical values are spelled as in the default feature specification
(``prediction/specs/default.toml``); ``generation.specification_check`` refuses a
specification that lacks one of them.
"""

# -- The municipality and the time frame ------------------------------------------------

JOBCENTER_NAME = "Jobcenter Åby (demo)"
MUNICIPALITY_CODE = "999"  # not a real municipality code (they run 101-860)
DPO_CONTACT = "Databeskyttelsesrådgiver, Åby Kommune (demo): dpo@aaby.example, tlf. 99 99 99 99"

# Share of spells that are still open on "today" (assumption: the brief's ~8 %).
OPEN_SHARE = 0.08
# Closed spells: meeting 2 between five years and a little over twelve months ago, so the
# 12-month outcome (DREAM, 365 days after meeting 2) has been observed.
HISTORY_DAYS = 5 * 365
LATEST_CLOSED_MEETING2_DAYS = 380
# Open spells started in the last ~6 months, at least a week ago (assumption).
OPEN_START_WINDOW_DAYS = (7, 182)
# Share of open spells whose citizen also has a closed spell in the data (assumption).
OPEN_WITH_HISTORY_SHARE = 0.30
# Number of closed spells a citizen has in five years: 1, 2 or 3 (assumption).
SPELLS_PER_CITIZEN = {1: 0.80, 2: 0.15, 3: 0.05}
# Days between the end of one spell and the start of the next: 30 + exponential (assumption).
GAP_BETWEEN_SPELLS_DAYS = (30, 240)

# Teams, each holding the open spells of some benefit types (assumption), and the
# caseload each caseworker is sized for: the social workers' union recommends 40-55
# citizens per caseworker, real caseloads run from 45 to over 200 (DOMAIN).
TEAMS = (
    ("Dagpenge", ("dagpenge",)),
    ("Jobparat", ("kontanthjaelp_jobparat",)),
    ("Aktivitetsparat", ("kontanthjaelp_aktivitetsparat",)),
    ("Unge", ("uddannelseshjaelp",)),
)
TARGET_CASELOAD = 50

# -- Who becomes unemployed ----------------------------------------------------------------

# Women 3.0 % and men 2.7 % gross unemployment (DOMAIN, Statistics Denmark 2023) with a
# labour force about 47 % women gives 49.6 % women among the unemployed.
FEMALE_SHARE = 0.496
# Origin among people on benefits (assumption; about 15 % of Denmark's population are
# immigrants or descendants, non-Western ones over-represented among the unemployed).
ORIGINS = ("danish", "western", "non_western")
ORIGIN_SHARES = (0.76, 0.07, 0.17)
# Age at meeting 2 (assumption shaped by DOMAIN: gross unemployment highest at 25-29
# (5.0 %), lowest at 16-24 (1.2 %); the spec allows 18-67).
AGE_BANDS = (
    (18, 24, 0.10),
    (25, 29, 0.15),
    (30, 34, 0.12),
    (35, 39, 0.11),
    (40, 44, 0.10),
    (45, 49, 0.10),
    (50, 54, 0.11),
    (55, 59, 0.11),
    (60, 64, 0.08),
    (65, 66, 0.02),
)
# Citizens with more than one spell are at most this old at their first one, so they are
# still of working age (<= 67, the spec's maximum) at their last.
MAX_AGE_MULTI_SPELL = 61

# -- Benefit type ----------------------------------------------------------------------------
# Target mix (DOMAIN, assumption): about 60 % dagpenge, 15 % job-ready and 25 % not yet
# job-ready cash benefit, a few % uddannelseshjælp (under-30s only). Cash benefits: about
# one in three job-ready (DOMAIN, jobindsats 2018). Non-Western citizens are
# over-represented on cash benefits (assumption, direction as in DOMAIN's AE figures).

BENEFIT_TYPES = (
    "dagpenge",
    "kontanthjaelp_jobparat",
    "kontanthjaelp_aktivitetsparat",
    "uddannelseshjaelp",
)
DAGPENGE, JOBPARAT, AKTIVITETSPARAT, UDDANNELSESHJAELP = range(4)
DAGPENGE_SHARE_BY_ORIGIN = (0.675, 0.60, 0.40)
DAGPENGE_FACTOR_UNDER_25 = 0.55  # young people are less often insured (assumption)
UDDANNELSESHJAELP_SHARE_UNDER_30 = 0.30  # of under-30s not on dagpenge (assumption)
JOBPARAT_SHARE_OF_CASH_BY_ORIGIN = (0.40, 0.40, 0.32)
# A later spell of the same citizen keeps the benefit type with this probability.
BENEFIT_PERSISTENCE = 0.85

# -- Education ---------------------------------------------------------------------------------
# Target (DOMAIN, Folketinget BEU 182, 2016): 32-56 % of benefit recipients without
# vocational or higher education. Rows by benefit type (assumption), columns:
EDUCATION = ("primary", "upper_secondary", "vocational", "short_higher", "bachelor", "master")
EDUCATION_BY_BENEFIT = (
    (0.14, 0.12, 0.34, 0.08, 0.20, 0.12),  # dagpenge
    (0.44, 0.15, 0.26, 0.05, 0.07, 0.03),  # jobparat
    (0.66, 0.11, 0.17, 0.03, 0.02, 0.01),  # aktivitetsparat
    (0.80, 0.20, 0.00, 0.00, 0.00, 0.00),  # uddannelseshjælp: by definition no qualification
)
# Non-Western citizens: this share of the drawn educations is replaced by primary school
# (foreign qualifications often unrecognised; assumption).
NON_WESTERN_PRIMARY_SHIFT = 0.15

# -- Labour-market history -----------------------------------------------------------------
# Months employed in the last three years: dagpenge needs about a year of work in three
# years (1,924 hours), so 12 + 24 * Beta; cash benefits Beta * 36, with a point mass at 0
# for not-yet-job-ready citizens (assumption).
MONTHS_EMPLOYED_BETA = ((2.0, 1.3), (1.1, 2.4), (0.8, 4.0), (0.8, 3.5))
MONTHS_EMPLOYED_ZERO_AKTIVITETSPARAT = 0.35
# Unemployment spells in the five years before this one that the data do not show
# (before the citizen moved here, or before our records): Poisson mean by benefit type.
EARLIER_SPELLS_MEAN = (0.6, 1.5, 2.2, 1.0)
# Registered job applications in the last four weeks: negative binomial mean by benefit
# type, dispersion 2 (assumption; dagpenge recipients must apply actively).
JOB_SEARCH_MEAN = (9.0, 6.0, 1.2, 2.5)
JOB_SEARCH_DISPERSION = 2.0
# CV on Jobnet complete, by benefit type; a few citizens have no CV data at all (the
# spec's cv_complete is not required).
CV_COMPLETE_BY_BENEFIT = (0.88, 0.72, 0.35, 0.55)
CV_MISSING_SHARE = 0.03
# Available only for part-time work, by benefit type, times 1.6 for women (assumption).
PART_TIME_BY_BENEFIT = (0.08, 0.12, 0.30, 0.10)
PART_TIME_FEMALE_FACTOR = 1.6
# Driving licence by origin, times 0.75 on aktivitetsparat, 0.6 under 22 (assumption).
DRIVING_LICENCE_BY_ORIGIN = (0.84, 0.74, 0.58)
# Previous industry: weights by education group (low: primary/upper secondary; middle:
# vocational/short higher; high: bachelor/master) and a factor for men (assumption).
INDUSTRIES = (
    "construction",
    "manufacturing",
    "retail",
    "transport",
    "hospitality",
    "health_social",
    "office_admin",
    "it_communication",
    "public_education",
    "agriculture",
    "cleaning",
)
INDUSTRY_WEIGHTS = {
    #            cons mfg  ret  trn  hosp hlth off  it   pub  agr  cln
    "low": (0.10, 0.15, 0.18, 0.09, 0.14, 0.08, 0.04, 0.01, 0.02, 0.06, 0.13),
    "middle": (0.17, 0.17, 0.10, 0.09, 0.05, 0.18, 0.10, 0.04, 0.04, 0.04, 0.02),
    "high": (0.02, 0.05, 0.05, 0.02, 0.02, 0.16, 0.24, 0.16, 0.26, 0.01, 0.01),
}
INDUSTRY_MALE_FACTOR = (3.0, 1.8, 0.9, 2.5, 0.8, 0.3, 0.6, 1.8, 0.7, 2.0, 0.6)
# With no work in three years, the previous industry is "none" this often (assumption).
NO_INDUSTRY_IF_NOT_EMPLOYED = 0.6
# Residence: the first postal code of the spec is the main town, the rest share the
# remainder; non-Western citizens live in the main town more often (assumption).
MAIN_TOWN_SHARE = 0.45
MAIN_TOWN_SHARE_NON_WESTERN = 0.70
# Citizenship: Danish for Danish origin; for immigrants and descendants a share are
# Danish citizens (assumption).
DANISH_CITIZENS_BY_ORIGIN = (1.0, 0.35, 0.45)
WESTERN_CITIZENSHIPS = ("PL", "RO", "DE", "LT", "SE", "NO", "GB", "NL")
NON_WESTERN_CITIZENSHIPS = ("SY", "TR", "IQ", "AF", "SO", "IR", "PK", "UA", "LB", "ER", "VN")

# -- Meetings (DOMAIN, STAR) -----------------------------------------------------------------
# Days from the spell's start to meeting 1 and from meeting 1 to meeting 2, by benefit
# type: not-yet-job-ready citizens meet after about a week and then at least four times a
# year; the others about monthly in the first six months, then about quarterly.
FIRST_MEETING_DAYS = ((7, 28), (5, 21), (5, 14), (5, 14))
SECOND_MEETING_DAYS = ((21, 42), (21, 42), (28, 91), (21, 56))
MONTHLY_MEETING_DAYS = (25, 38)
QUARTERLY_MEETING_DAYS = (60, 91)
MONTHLY_PERIOD_DAYS = 183
MAX_MEETINGS = 24

# -- The outcome: still on benefits 12 months after meeting 2 (DREAM) --------------------------
# Log-odds = intercept by benefit type + the effects below. The effects are thresholds and
# interactions on purpose (a depth-limited tree can find them); their sizes are
# assumptions, tuned so the base rates land in DOMAIN's ranges (dagpenge 10-20 %,
# jobparat 35-50 %, aktivitetsparat 70-85 %) and a tree reaches an AUC of about 0.72-0.80.
OUTCOME_INTERCEPT = (-1.80, -1.04, -0.30, -0.97)
OUTCOME_EFFECTS = {
    "months_employed_under_6": 0.36,
    "months_under_6_and_spells_3plus": 0.44,  # interaction: little work AND many spells
    "spells_3plus": 0.16,
    "age_55plus": 0.36,
    "age_60plus": 0.20,  # on top of 55+: rising long-term shares with age (DOMAIN, AE 2021)
    "cv_incomplete": 0.28,
    "cv_missing": 0.16,
    "education_primary": 0.20,
    "education_upper_secondary": 0.08,
    "education_bachelor_master": -0.16,
    "job_search_under_3": 0.24,
    "job_search_10plus": -0.12,
    "part_time": 0.12,
    "no_driving_licence": 0.16,
    "industry_none": 0.12,
    "industry_seasonal": -0.08,  # construction, hospitality, agriculture: quick re-hiring
}
# The deliberate historical disparity: with the same inputs, citizens of non-Western
# origin have this much higher log-odds of still being on benefits (assumption, direction
# and rough size from DOMAIN: 44 % long-term for non-Western immigrants against 30 % for
# Danish origin, AE 2021). Origin is protected: never a model input, kept to measure it.
NON_WESTERN_EXTRA_LOG_ODDS = 0.50
# End of a closed spell: within the 12 months after meeting 2 when the citizen left
# benefits (1 + 363 * Beta(1.1, 1.8) days), else 365 days + exponential(mean 180 days),
# never after "today" (assumption).
EXIT_DAYS_BETA = (1.1, 1.8)
STILL_UNEMPLOYED_EXTRA_DAYS_MEAN = 180
OUTCOME_OBSERVED_AFTER_DAYS = 365
