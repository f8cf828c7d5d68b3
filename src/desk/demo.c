/*
 * demo.c - a realistic synthetic desk, for trying Champion and for benchmarks.
 *
 * Staff, organisations and customers first, then tickets arriving by the
 * arrival model (rules/arrival) over the last days. Each ticket's life is
 * simulated in memory through the status machine (rules/status): the
 * customer's opening message, the agent's first reply after a business-hours
 * delay, questions and answers, escalations with engineers' notes, solves,
 * reopens and closes, stopping at "now". Then the ticket, its tags,
 * messages and events are written in one go, through the repo functions,
 * in large transactions.
 *
 * Everything random comes from one rng seeded by the caller, in one fixed
 * order, so a seed and a clock give the same tables byte for byte.
 */
#include "util/common.h"
#include "desk/desk.h"
#include "rules/arrival.h"
#include "rules/status.h"
#include "store/search.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/rng.h"
#include "util/str.h"
#include "util/time.h"
#include "util/xalloc.h"

#include <math.h>
#include <time.h>

/* Tickets per transaction: progress is durable and the WAL stays bounded. */
#define BATCH_TICKETS 50000
/* Tickets between calls of the progress callback. */
#define PROGRESS_EVERY 5000
/* Steps in one ticket's simulated life (messages and status changes). */
#define MAX_STEPS 24

/* --- the words of the demo desk ------------------------------------------ */

static const char *const first_names[] = {
	"Aisha",  "Ben",     "Carla",   "Dmitri", "Elena",  "Farid",  "Grace",   "Hiro",
	"Ines",   "Jonas",   "Kavya",   "Liam",   "Maya",   "Noah",   "Olga",    "Pablo",
	"Quinn",  "Rosa",    "Sami",    "Tara",   "Umar",   "Vera",   "Wei",     "Ximena",
	"Yusuf",  "Zoe",     "Anders",  "Bianca", "Chidi",  "Daniela", "Emil",   "Fatima",
	"Gustav", "Hana",    "Ivan",    "Julia",  "Kofi",   "Lucia",  "Marek",   "Nadia",
	"Oscar",  "Priya",   "Rafael",  "Sofia",  "Tomas",  "Uma",    "Viktor",  "Wanjiru",
	"Yara",   "Zain",    "Amelie",  "Bruno",  "Chen",   "Dalia",  "Erik",    "Freya",
	"Giulia", "Hassan",  "Ingrid",  "Jamal",  "Keiko",  "Leon",   "Mariam",  "Nils",
};

static const char *const last_names[] = {
	"Adams",   "Bauer",    "Costa",    "Dubois",  "Eriksen", "Fischer", "Garcia",   "Haddad",
	"Ivanova", "Jensen",   "Kowalski", "Larsen",  "Moreau",  "Nakamura", "Okafor",  "Petrov",
	"Quinn",   "Rossi",    "Schmidt",  "Tanaka",  "Usman",   "Varga",   "Weber",    "Xu",
	"Yilmaz",  "Zimmer",   "Alvarez",  "Becker",  "Chowdhury", "Dias",  "Evans",    "Ferreira",
	"Gomez",   "Hoffmann", "Ibrahim",  "Jovanovic", "Kim",   "Lopez",   "Mendes",   "Nowak",
	"Olsen",   "Park",     "Reyes",    "Silva",   "Torres",  "Ueda",    "Vasquez",  "Wagner",
	"Yamada",  "Zhang",    "Andersen", "Brown",   "Cohen",   "Novak",   "Engel",    "Fontaine",
	"Grant",   "Horvat",   "Iqbal",    "Johansson", "Keller", "Lindqvist", "Mwangi", "Nyberg",
};

static const char *const org_first[] = {
	"Acme",    "Northwind",  "Bluefin",   "Copperleaf", "Driftwood",  "Evergreen",
	"Foxglove", "Granite",   "Harborview", "Ironbark",  "Juniper",    "Kestrel",
	"Lumen",   "Meridian",   "Nimbus",    "Oakridge",   "Pinecrest",  "Quarry",
	"Redwood", "Silverline", "Tidewater", "Umbra",      "Vantage",    "Willow",
	"Xenon",   "Yellowtail", "Zephyr",    "Alder",      "Beacon",     "Cobalt",
	"Delta",   "Ember",      "Falcon",    "Glacier",    "Helix",      "Indigo",
	"Jasper",  "Keystone",   "Lighthouse", "Mosaic",
};

static const char *const org_second[] = {
	"Robotics",  "Logistics",   "Health",    "Analytics",  "Foods",      "Energy",
	"Labs",      "Media",       "Travel",    "Finance",    "Insurance",  "Retail",
	"Systems",   "Software",    "Biotech",   "Freight",    "Studios",    "Networks",
	"Motors",    "Pharma",      "Outdoors",  "Learning",   "Security",   "Clinics",
	"Dynamics",  "Partners",    "Marine",    "Solar",      "Textiles",   "Games",
	"Bank",      "Telecom",     "Farms",     "Aerospace",  "Publishing", "Realty",
	"Consulting", "Hotels",     "Payments",  "Devices",    "Cloud",      "Kitchens",
	"Architects", "Brewing",    "Apparel",   "Mobility",   "Water",      "Optics",
	"Materials", "Ventures",
};

static const char *const personal_domains[] = {"mail.example", "inbox.example", "post.example"};

/* Placeholders, filled per ticket. */
static const char *const oses[] = {
	"iOS 17.2",   "iOS 16.7",   "Android 14",   "Android 13",
	"Windows 11", "macOS 14.3", "Ubuntu 22.04",
};
static const char *const browsers[] = {"Chrome 119", "Firefox 120", "Safari 17.1", "Edge 119"};
static const char *const regions[] = {"eu-west-1", "eu-central-1", "us-east-1", "us-west-2",
				      "ap-southeast-2"};
static const char *const plans[] = {"Starter", "Team", "Business", "Enterprise"};
static const int http_codes[] = {400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503, 504};

/*
 * One kind of problem customers have: how they put it, and how agents
 * answer it. Placeholders in braces are filled per ticket: {product}
 * {version} {code} {http} {n} {os} {browser} {region} {plan} {date}
 * {invoice} {org} {customer} {agent}.
 */
struct problem {
	const char *tag;
	const char *subject[4];
	const char *body[3];
	const char *answer[2]; /* solves it */
	const char *ask;       /* asks for what is needed */
	const char *info;      /* the customer sends it */
};

struct area {
	const char *name; /* the group */
	const char *tag;
	double share;     /* of tickets */
	const char *product[4];
	const char *code_prefix;
	const struct problem *problem;
	size_t nproblems;
};

static const struct problem billing_problems[] = {
	{"invoice",
	 {"Invoice {invoice} shows the wrong amount", "Wrong total on our last invoice",
	  "Invoice {invoice} does not match our {plan} plan", "We were overcharged this month"},
	 {"Our invoice {invoice} from {date} charges us for more seats than the {n} active users "
	  "we have on the {plan} plan. Can you check what happened and send a corrected "
	  "invoice?",
	  "The total on the latest invoice is higher than what the pricing page says for the "
	  "{plan} plan. Nothing changed on our side as far as I know. Could you explain the "
	  "extra line items or correct it?",
	  "Finance flagged invoice {invoice}: the amount is about {n} EUR more than last month and "
	  "we did not add seats. Please look into it before we pay."},
	 {"I checked invoice {invoice}: seats that were deactivated mid-cycle were still counted. "
	  "I have issued a credit note for the difference; it will be applied to your next invoice "
	  "automatically, and you can download it under Settings > Billing > Documents.",
	  "The extra amount comes from the prorated upgrade on {date}, when the workspace moved to "
	  "the {plan} plan. I have attached a breakdown per day. If the upgrade was not intended, "
	  "reply here and I will reverse it and refund the difference."},
	 "Could you tell me the workspace URL and whether anyone changed the plan or added seats "
	 "around {date}? The billing log only shows changes made by workspace admins.",
	 "The workspace is {org} and as far as I can tell nobody touched the plan. Our admin says "
	 "she only removed two users around {date}."},
	{"card-declined",
	 {"Card declined when renewing", "Payment failed with error {code}",
	  "Cannot update credit card: {code}", "Renewal payment keeps failing"},
	 {"Our renewal failed and the billing page says the card was declined with code {code}. "
	  "The bank says there is no block on the card. How do we pay so the account is not "
	  "suspended?",
	  "When I try to add a new card under Billing I get \"{code}: payment method could not be "
	  "verified\". Tried in {browser} and on another machine, same result.",
	  "We got an email that the payment for the {plan} plan failed. The card is valid until "
	  "2028. Can you retry the charge or give us another way to pay?"},
	 {"The decline came from your bank's 3-D Secure check, which our checkout only shows in a "
	  "pop-up. Please try once more with pop-ups allowed; I have reset the failed attempts so "
	  "the form is unlocked again.",
	  "I have switched your workspace to pay by invoice (bank transfer, 30 days), so the "
	  "renewal is no longer blocked by the card. The account will not be suspended."},
	 "Could you try once more and tell me the exact time (with time zone) of the attempt? "
	 "With that I can find the processor's response for your card.",
	 "I tried again just now, at about {n} minutes past the hour, and got the same {code} "
	 "message."},
	{"vat",
	 {"VAT number missing on invoices", "Reverse charge not applied",
	  "Please add our VAT ID to billing", "Tax charged although we are VAT registered"},
	 {"We are a VAT registered company in the EU but your invoices still charge VAT. Our VAT "
	  "ID is in the billing profile. Can you apply reverse charge and reissue invoice "
	  "{invoice}?",
	  "Our accountant needs the VAT number of {org} on every invoice. Where do we add it, and "
	  "can you reissue the invoices since {date}?",
	  "Invoice {invoice} has {n}% tax on it, we expected reverse charge. Please correct."},
	 {"The VAT ID failed the automatic VIES check because of a space in it. I have validated "
	  "it by hand, applied reverse charge from now on and reissued invoice {invoice}; the "
	  "corrected PDF is under Billing > Documents.",
	  "I have added the VAT ID to your billing profile and reissued every invoice since {date} "
	  "with it; reverse charge now applies automatically."},
	 "Could you confirm the VAT ID and the legal name exactly as registered? VIES has to match "
	 "both before we can apply reverse charge.",
	 "Legal name is {org} (with the legal form), the VAT ID is the one in our profile, "
	 "without spaces."},
	{"refund",
	 {"Refund for unused seats", "Requesting a refund after downgrade",
	  "Charged twice this month", "Double payment on {date}"},
	 {"We were charged twice on {date} for the same renewal, see the two card transactions of "
	  "the same amount. Please refund one of them.",
	  "We downgraded from {plan} on {date} but were billed for the full year. Are we entitled "
	  "to a prorated refund for the unused part?",
	  "Our team shrank and we removed {n} seats. Is there a refund for the remaining months, "
	  "or a credit?"},
	 {"You are right, the second charge was a duplicate caused by a retry on our side. I have "
	  "refunded it in full; depending on your bank it shows up within 5-10 business days.",
	  "I have converted the unused part of the year into account credit, which covers the "
	  "next invoices until it runs out. The breakdown is attached."},
	 "Could you send the last four digits of the card and the dates of both charges? I want "
	  "to be sure we refund the right transaction.",
	 "The card ends in 4{n} and both charges are on {date}, a few minutes apart."},
};

static const struct problem integration_problems[] = {
	{"webhooks",
	 {"Webhooks stopped arriving", "Webhook deliveries failing with {http}",
	  "No webhook events since {date}", "Webhook signature verification fails"},
	 {"Since {date} our endpoint receives no webhook events. The delivery log in the "
	  "dashboard shows HTTP {http} for every attempt, but our server logs show nothing "
	  "arriving. Nothing changed on our side.",
	  "We verify the webhook signature as documented, but since the upgrade to {version} every "
	  "event fails verification. Did the signing scheme change?",
	  "Webhook deliveries to our staging endpoint time out after {n} seconds and are retried "
	  "over and over. We get duplicates afterwards."},
	 {"Your endpoint's TLS certificate was renewed on {date} with an intermediate our "
	  "delivery workers do not trust yet. I have re-enabled the endpoint; please serve the "
	  "full chain, and deliveries will resume on their own.",
	  "Since {version} the signature covers the raw body including the trailing newline. If "
	  "your framework parses JSON before you compute the HMAC, use the raw bytes instead; "
	  "the docs now have an example for that."},
	 "Could you send the endpoint URL and the ID of one failed delivery (it starts with "
	 "whd_)? I can then look at what our workers saw.",
	 "The endpoint is https://hooks.{region}.example/champion and one failed delivery is "
	 "whd_{n}."},
	{"api-rate-limit",
	 {"API returns 429 Too Many Requests", "Rate limit much lower than documented",
	  "Getting throttled by the API", "HTTP 429 on bulk import"},
	 {"Our nightly sync calls the REST API about {n} times a minute and started getting 429 "
	  "responses around {date}. The docs say the {plan} plan allows more. What changed?",
	  "Bulk import through the API fails halfway with HTTP 429 and a Retry-After header of "
	  "{n} seconds. How are we supposed to import our data?",
	  "Is the rate limit per token or per workspace? We have two integrations and both get "
	  "throttled at the same time."},
	 {"The limit is per workspace, shared by every token. Your two integrations together "
	  "exceed it at the top of each hour. Spreading the nightly sync over ten minutes, or "
	  "using the bulk endpoint (one request per 100 records), keeps you well under it.",
	  "I have raised your workspace's limit to the {plan} plan's value; it had been left on "
	  "the trial default. The change is live now, no need to rotate tokens."},
	 "Could you send a couple of request IDs (the X-Request-Id header) from throttled "
	 "responses? Then I can see which limit you hit.",
	 "Here are two: req_{n}a and req_{n}b, both from about an hour ago."},
	{"sso-saml",
	 {"SAML login fails with {code}", "SSO broken after certificate rotation",
	  "Users cannot sign in with Okta", "Azure AD SSO error {code}"},
	 {"After we rotated the signing certificate in our identity provider, every SSO login "
	  "fails with \"{code}: signature invalid\". Password login is disabled for us, so nobody "
	  "can work.",
	  "New users provisioned via SCIM cannot sign in with SSO; they see error {code}. Existing "
	  "users are fine.",
	  "SSO through our IdP redirects back to the login page in a loop in {browser}. It worked "
	  "until {date}."},
	 {"Your IdP now signs with the new certificate but the workspace still has the old one. "
	  "I have enabled emergency password login for your admins; upload the new certificate "
	  "under Settings > Security > SSO and sign-in works again at once.",
	  "The loop comes from a third-party cookie setting in {browser}. Adding the workspace "
	  "domain to the allowed sites fixes it; we are also moving the SSO callback to a "
	  "first-party domain in {version}."},
	 "Could you send the SAML response from a failed attempt (a browser SAML tracer captures "
	 "it), with the signature intact? Please do not include passwords.",
	 "Attached is the SAML trace from {browser} for a failed login of one of our users."},
	{"crm-sync",
	 {"Salesforce sync stopped", "CRM sync duplicates contacts",
	  "HubSpot fields not syncing", "Sync error {code} in CRM connector"},
	 {"The CRM connector shows \"{code}: field mapping invalid\" since {date} and no "
	  "contacts have synced. We did add a custom field on the CRM side.",
	  "Every sync run creates duplicates of about {n} contacts in our CRM. We have checked "
	  "that the email field is mapped as the unique key.",
	  "Custom fields from {product} no longer appear in the CRM after the update to "
	  "{version}."},
	 {"The new custom field is required on the CRM side but has no mapping, so every upsert "
	  "is rejected. Map it (or make it optional) under Integrations > CRM > Fields and press "
	  "Resync; the backlog of {n} records goes through in a few minutes.",
	  "The duplicates come from emails with upper-case letters: the CRM compares them "
	  "case-sensitively. I have turned on email normalisation for your connector and merged "
	  "the duplicates created since {date}."},
	 "Could you export the sync log of one failed run (Integrations > CRM > Logs > Export) "
	 "and attach it here?",
	 "Attached is the log export of this morning's run, {n} records failed."},
};

static const struct problem platform_problems[] = {
	{"login",
	 {"Cannot log in", "Login page says {code}", "Locked out of account",
	  "Password reset email never arrives"},
	 {"I cannot log in since this morning. After entering my password the page shows "
	  "\"{code}\" and goes back to the form. Using {browser} on {os}.",
	  "The password reset email never arrives. I checked spam and tried {n} times. The "
	  "address is the one on my account.",
	  "Our admin is locked out after too many attempts and she is the only admin of {org}. "
	  "Can you unlock the account?"},
	 {"Your account was locked after {n} failed attempts from an old saved password in "
	  "{browser}. I have unlocked it; please update the saved password and sign in again.",
	  "Our emails to your domain were rejected by your mail filter since {date}. I have "
	  "resent the reset link from our secondary sender; please allow it in the filter."},
	 "Could you tell me the exact time of a failed attempt and your public IP address, if "
	 "you know it? Then I can find it in the authentication log.",
	 "It happened at about {n} past ten this morning, from our office network."},
	{"performance",
	 {"Dashboard very slow to load", "Pages take {n} seconds to load",
	  "Performance degraded since {version}", "Search is extremely slow"},
	 {"Since {date} the dashboard takes {n} seconds or more to load for everyone in our "
	  "team. Other websites are fast. Region is {region}.",
	  "After the update to {version}, search takes ages and sometimes times out with {http}. "
	  "We have about {n} thousand records.",
	  "Everything in {product} feels slow today, especially saving forms."},
	 {"One of the database nodes in {region} was degraded after maintenance on {date}; it "
	  "has been replaced and load times are back to normal. Sorry for the trouble.",
	  "Your workspace's search index had not been rebuilt after the migration to {version}. "
	  "I have rebuilt it; searches should now return in well under a second."},
	 "Could you open the browser's developer tools, reload the dashboard, and send the HAR "
	 "file? It shows which request is slow.",
	 "Attached is the HAR file from {browser}; the slowest request took {n} seconds."},
	{"outage",
	 {"Service down? Getting {http} errors", "Is there an outage in {region}?",
	  "Site unreachable", "{http} errors on every request"},
	 {"We get HTTP {http} on every page since about an hour. Status page says all systems "
	  "operational. Is something going on in {region}?",
	  "The API returns {http} for all calls from our servers in {region}; from home it "
	  "works.",
	  "{product} is unreachable for our whole team. This blocks our support desk, please "
	  "treat as urgent."},
	 {"There was a partial outage of the load balancers in {region} between 09:40 and 10:25 "
	  "UTC; it is resolved and the incident report is on the status page. Sorry for the "
	  "disruption.",
	  "Your servers' IP range was blocked by our DDoS protection after a burst of retries. I "
	  "have lifted the block; backing off retries exponentially will prevent it."},
	 "Could you send the output of a traceroute to the API host from one of the affected "
	 "servers, and the request ID of a failed call?",
	 "Traceroute attached; the last hop before it stops is in {region}."},
	{"permissions",
	 {"User cannot see projects", "Permission denied ({http}) for editors",
	  "Role changes not taking effect", "Admin cannot invite users"},
	 {"One of our editors gets \"{http} forbidden\" when opening projects she could open "
	  "yesterday. Her role did not change.",
	  "We changed {n} users from viewer to editor but they still cannot edit anything, even "
	  "after logging out and in.",
	  "As workspace admin I get error {code} when inviting new users."},
	 {"Role changes are cached for up to an hour; I have flushed the cache for your "
	  "workspace, so the new roles apply now. We are shortening that cache in {version}.",
	  "Invitations are blocked because the workspace reached the seat limit of the {plan} "
	  "plan. Freeing a seat or adding seats under Billing lets you invite again."},
	 "Could you tell me the email of one affected user and the project they cannot open?",
	 "The user is our project lead, and the project is the one called \"Q{n} planning\"."},
};

static const struct problem mobile_problems[] = {
	{"mobile-crash",
	 {"App crashes on startup", "{product} crashes after update to {version}",
	  "Crash when opening attachments", "App closes immediately on {os}"},
	 {"Since updating to {version} the app crashes right after the splash screen on {os}. "
	  "Reinstalling did not help.",
	  "The app closes when I open a PDF attachment in a conversation. Other attachments "
	  "work. Device on {os}.",
	  "{product} crashes every time I switch accounts. Version {version}."},
	 {"This is a known crash in {version} on {os} with large offline caches; {version} has "
	  "a fix and is rolling out in the store today. Clearing the app's storage works around "
	  "it until then.",
	  "The crash is fixed in the update released today; please update from the store and "
	  "let me know if it still happens."},
	 "Could you send the crash report (Settings > Help > Send diagnostics) and tell me the "
	 "device model?",
	 "Diagnostics sent from the app just now; the device is on {os}."},
	{"push-notifications",
	 {"Push notifications not received", "No notifications on {os}",
	  "Notifications delayed by hours", "Duplicate push notifications"},
	 {"I stopped getting push notifications on {os} around {date}. Notifications are "
	  "enabled in the system settings and in the app.",
	  "Notifications arrive {n} minutes to several hours late on my phone.",
	  "Everyone on our team gets every notification twice since the update to {version}."},
	 {"Your device token had expired after the OS update; signing out and in again "
	  "registers a fresh one, and notifications resume right away.",
	  "The duplicates came from two registrations of the same device after the update. "
	  "I have removed the stale ones for your team; {version} deduplicates them for good."},
	 "Could you check under Settings > Notifications > Diagnostics whether the device token "
	 "shows as registered, and send a screenshot?",
	 "Screenshot attached; it says the token was registered on {date}."},
	{"offline-sync",
	 {"Offline changes lost", "Sync conflict after working offline",
	  "Data not syncing between phone and web", "Offline mode stuck on \"syncing\""},
	 {"I made changes on the plane in offline mode and after landing they were gone. App "
	  "version {version} on {os}.",
	  "The app has been showing \"syncing {n} items\" for two days and nothing reaches the "
	  "web app.",
	  "Edits made on my phone show up on the web only after I force-close the app."},
	 {"The changes were kept in a conflict copy because the same records were edited on "
	  "the web meanwhile. I have restored them; you will find them under Sync > Conflicts.",
	  "One item in the queue exceeded the attachment size limit and blocked the rest. I have "
	  "skipped it on our side and the other {n} items have synced."},
	 "Could you send the sync log (Settings > Help > Sync log) from the phone?",
	 "Sync log sent from the app a minute ago."},
	{"mobile-login",
	 {"Cannot log in on the mobile app", "Biometric login stopped working",
	  "App asks to log in every time", "Mobile login fails with {code}"},
	 {"On the phone the app says \"{code}\" when I log in. On the web the same credentials "
	  "work fine.",
	  "Face ID login stopped working after the update to {version}; it always falls back to "
	  "the password.",
	  "The app logs me out every time I close it. Very annoying with two-factor login."},
	 {"Your workspace requires SSO, which the app supports from {version} on. Please update "
	  "and choose \"Sign in with SSO\" on the login screen.",
	  "Biometric keys are reset by the OS when the device passcode changes. Turning biometric "
	  "login off and on in the app's settings re-enrols them."},
	 "Which version of the app is installed (Settings > About), and does your workspace use "
	 "single sign-on?",
	 "The app is on {version}, and yes, we use SSO through our identity provider."},
};

static const struct problem data_problems[] = {
	{"export",
	 {"CSV export is empty", "Export stuck at {n}%", "Export missing columns",
	  "Scheduled export not delivered"},
	 {"When I export the report to CSV the file only contains the header row, although the "
	  "report shows {n} rows on screen.",
	  "The export of our full history has been stuck at {n}% for hours.",
	  "Our scheduled weekly export to the S3 bucket has not arrived since {date}."},
	 {"The report's date filter used your browser's time zone while the export used UTC, so "
	  "it fell outside the range. {version} fixes that; until then, widening the range by a "
	  "day gives the full file.",
	  "The bucket policy was changed on {date} and rejects our writes. Granting s3:PutObject "
	  "to the role in our docs restores the deliveries; I have re-run the missed exports."},
	 "Could you send the export job ID (it is in the export history) and the filters you "
	 "used?",
	 "The job ID is exp_{n}; filters were the last 90 days, all teams."},
	{"reporting",
	 {"Report numbers do not match", "Dashboard totals differ from export",
	  "Wrong first response times in report", "Report shows no data since {date}"},
	 {"The dashboard says {n} tickets last month but the export has a different number. "
	  "Which one is right?",
	  "Our first response times in the report look far too long; we answer within an hour "
	  "but the report shows days.",
	  "Reports show no data at all since {date}, although we work normally."},
	 {"The dashboard counts in your business calendar while the export counts calendar days; "
	  "both are right for their definition. The report settings let you switch the "
	  "dashboard to calendar time.",
	  "The reporting pipeline for your region was paused after a failed migration on {date}. "
	  "It has been restarted and the missing days are backfilled."},
	 "Could you send a screenshot of the report with its filters, and the export you compared "
	 "it with?",
	 "Screenshot and export attached; the difference is {n} tickets."},
	{"data-retention",
	 {"Delete customer data (GDPR request)", "How long do you keep deleted records?",
	  "Data retention policy question", "Request to erase a contact"},
	 {"We received a GDPR erasure request from one of our customers. How do we remove all "
	  "their data from {product}, including attachments?",
	  "Our DPO asks how long deleted records remain in backups and where the data is "
	  "stored. We are in {region}.",
	  "Can we set a retention period so that tickets older than {n} months are deleted "
	  "automatically?"},
	 {"Deleting the contact under Customers > Delete removes their messages and attachments "
	  "at once; backups roll over within 35 days. The data processing addendum has the "
	  "details for your DPO.",
	  "Retention policies are available on the {plan} plan under Settings > Data; they run "
	  "nightly and write an audit entry for each deletion."},
	 "Could you confirm the email address of the contact to erase and that the request came "
	 "from them? We need that for our own records.",
	 "Confirmed, the request came from the contact by email on {date}."},
	{"import",
	 {"Import fails with {code}", "CSV import skips rows",
	  "Importing from our old helpdesk", "Import stuck in queue"},
	 {"Importing a CSV of {n} contacts fails with \"{code}: malformed row\" but the file "
	  "opens fine in a spreadsheet.",
	  "The import finished but skipped about {n} rows without telling us why.",
	  "We are migrating from our old help desk. Can you import {n} thousand tickets with "
	  "their history?"},
	 {"Rows with a line break inside a quoted field were split by the old importer. I have "
	  "re-run your file with the new importer ({version}), which handles them; all rows are "
	  "in now.",
	  "Skipped rows had an email already used by another contact; the import report lists "
	  "them under \"duplicates\". Choosing \"merge duplicates\" imports them into the "
	  "existing contacts."},
	 "Could you attach the file (or a few rows from it, with personal data removed)?",
	 "Attached is a sample of {n} rows that fail."},
};

static const struct area areas[] = {
	{"Billing", "billing", 0.22, {"Billing portal", "Subscriptions", "Invoices", "Payments"},
	 "BIL", billing_problems, ARRAY_SIZE(billing_problems)},
	{"Integrations", "integrations", 0.24, {"REST API", "Webhooks", "CRM connector", "SSO"},
	 "INT", integration_problems, ARRAY_SIZE(integration_problems)},
	{"Platform", "platform", 0.26, {"Champion Cloud", "the web app", "the dashboard",
					 "Search"},
	 "PLT", platform_problems, ARRAY_SIZE(platform_problems)},
	{"Mobile", "mobile", 0.14, {"the iOS app", "the Android app", "the mobile app",
				    "Champion Mobile"},
	 "MOB", mobile_problems, ARRAY_SIZE(mobile_problems)},
	{"Data", "data", 0.14, {"Reports", "Data export", "the importer", "Analytics"},
	 "DAT", data_problems, ARRAY_SIZE(data_problems)},
};

#define NAREAS ARRAY_SIZE(areas)

static const char *const customer_hello[] = {"Hello,", "Hi,", "Hi team,", "Hello support,",
					     "Good morning,", "Hi there,"};
static const char *const customer_bye[] = {
	"Thanks,\n{customer}", "Best regards,\n{customer}", "Thank you in advance,\n{customer}",
	"Kind regards,\n{customer}\n{org}", "Cheers,\n{customer}",
};
static const char *const agent_hello[] = {"Hi {customer},", "Hello {customer},",
					  "Hi {customer}, thanks for reaching out.",
					  "Hello {customer}, thank you for the details."};
static const char *const agent_bye[] = {
	"Best,\n{agent}", "Kind regards,\n{agent}\nChampion Support",
	"Let me know if anything else comes up.\n{agent}", "Have a good day,\n{agent}",
};

/* The agent takes it from here, before an answer. */
static const char *const working[] = {
	"Thanks for the details. I can reproduce it on our side and I am looking into the cause "
	"now; I will get back to you as soon as I know more.",
	"I have started looking into this. Our logs for {product} show the errors you describe "
	"around {date}; I am checking with the team what changed and will update you today.",
};
/* The agent hands it to the engineers and puts the ticket on hold. */
static const char *const escalate[] = {
	"This needs a closer look from our engineering team, and I have passed it on with your "
	"details. I will keep you updated here; no need to do anything in the meantime.",
	"Thanks for your patience. I have escalated this to our engineers with the logs you "
	"sent, as it looks like a defect in {version}. I will update you as soon as they "
	"have a fix or a workaround.",
};
/* The agent needs more than the first details. */
static const char *const ask_more[] = {
	"Thanks, that helps. One more thing: does it happen for every user, or only for some? If "
	"only some, what do they have in common (role, browser, region)?",
	"Thank you. I could not reproduce it with those settings yet. Could you try once more "
	"with {browser} in a private window and tell me whether the result changes?",
	"Thanks for the details. To rule out a caching problem, could you sign out, clear the "
	"site data and try again, then tell me the exact time of the attempt?",
};
/* The customer answers those. */
static const char *const more_info[] = {
	"It happens for everyone on the {plan} workspace, not only for me. Same result in a "
	"private window.",
	"Tried again as you suggested at about {n} minutes past the hour; no change, same error.",
	"Only some users: the ones in the {region} office. The others are fine.",
};
/* A customer writes again before anyone answered. */
static const char *const nudge[] = {
	"Any update on this? It is blocking part of our team.",
	"Adding to my earlier message: it also happens for my colleagues, so it is not just my "
	"account.",
	"One more detail: we first noticed it on {date}, right after updating to {version}.",
};
/* A customer reopens a solved ticket. */
static const char *const reopen[] = {
	"Unfortunately the problem is back since this morning, same error {code} as before.",
	"That helped for a day, but we are seeing the same behaviour again. Can you have "
	"another look?",
	"Sorry to reopen this: the fix worked for most users but {n} of them still have the "
	"problem.",
};
/* Internal notes by agents. */
static const char *const agent_notes[] = {
	"Customer is on the {plan} plan, region {region}. Checked the logs: errors started "
	"around {date}.",
	"Same issue as the one reported by two other customers this week; linking in the "
	"weekly problem review.",
	"Known issue in {version}, see the doctrine article. Workaround sent before, worked.",
	"Double-checked the account settings; nothing unusual. Waiting for the customer's "
	"details.",
};
/* Internal notes by engineers on escalated tickets. */
static const char *const engineer_notes[] = {
	"Reproduced on {version} in {region}. Root cause is a race in the retry path; fix is in "
	"review, safe workaround for the customer: retry after a minute.",
	"Looked at the traces: requests hit the old cluster after the failover on {date}. "
	"Re-routed the workspace; should be fine now, please confirm with the customer.",
	"Config for this workspace was left over from the migration. Corrected it by hand; no "
	"code change needed. Added a check to the migration runbook.",
};

/* --- the generator ---------------------------------------------------------- */

struct staff {
	int64_t id;
	const char *first;
};

/* One thing that happens to a ticket. */
enum text_kind {
	TXT_OPENING,
	TXT_NUDGE,
	TXT_ASK,
	TXT_ASK_MORE,
	TXT_INFO,
	TXT_INFO_MORE,
	TXT_WORKING,
	TXT_ESCALATE,
	TXT_ANSWER,
	TXT_REOPEN,
	TXT_AGENT_NOTE,
	TXT_ENGINEER_NOTE,
};

struct step {
	int64_t at;
	bool message;         /* else a status change without a message */
	enum msg_kind kind;
	int64_t author_id;    /* of the message, or the actor of the change (0: system) */
	enum role role;
	const char *author_first;
	enum text_kind text;
	enum status from, to; /* equal: no change */
	bool first_response;
};

struct gen {
	struct db *db;
	struct search_bulk *search; /* indexes the messages meanwhile, or NULL */
	struct rng rng;
	struct arrival_model model;
	int64_t now, start;
	struct demo_stats st;
	struct buf text; /* one message body at a time */

	int64_t admin_id;
	int64_t group_id[NAREAS];
	struct staff *agents;
	size_t nagents;
	size_t *area_agents[NAREAS]; /* indexes into agents */
	size_t narea_agents[NAREAS];
	struct staff *engineers;
	size_t nengineers;

	size_t norgs;
	int64_t *org_id;
	size_t *org_first, *org_count; /* customers of org i: [first, first + count) */
	size_t ncustomers;
	int64_t *cust_id;
	int32_t *cust_org; /* -1: none */

	/* The ticket being written. */
	const struct area *area;
	const struct problem *problem;
	size_t requester;
	char version[16], code[16], invoice[24], date[16];
	int http, n;
	const char *product, *os, *browser, *region, *plan;
	struct step steps[MAX_STEPS];
	size_t nsteps;
};

static size_t pick(struct rng *r, size_t n)
{
	return (size_t)rng_below(r, n);
}

#define PICK(r, arr) ((arr)[pick((r), ARRAY_SIZE(arr))])

/* The first name of customer i, and the last one. */
static const char *cust_first(size_t i)
{
	return first_names[(i * 29 + i / ARRAY_SIZE(first_names)) % ARRAY_SIZE(first_names)];
}

static const char *cust_last(size_t i)
{
	return last_names[(i / ARRAY_SIZE(first_names)) % ARRAY_SIZE(last_names)];
}

/* Organisation i's name; unique for i below 40 * 50 * 1000. */
static void org_name(size_t i, char *out, size_t len)
{
	size_t a = ARRAY_SIZE(org_first), b = ARRAY_SIZE(org_second);
	size_t round = i / (a * b);
	const char *x = org_first[i % a], *y = org_second[(i / a + i) % b];

	if (round)
		snprintf(out, len, "%s %s %zu", x, y, round + 1);
	else
		snprintf(out, len, "%s %s", x, y);
}

/* "acme-robotics.example" from "Acme Robotics". */
static void org_domain(const char *name, char *out, size_t len)
{
	size_t j = 0;
	for (const char *p = name; *p && j + sizeof(".example") < len; p++)
		out[j++] = *p == ' ' ? '-' : (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	snprintf(out + j, len - j, ".example");
}

static void lower_copy(const char *s, char *out, size_t len)
{
	snprintf(out, len, "%s", s);
	str_lower_ascii(out);
}

/* Customer i's email: first.last[round]@ their organisation's domain or a mail provider. */
static void cust_email(const struct gen *g, size_t i, char *out, size_t len)
{
	size_t round = i / (ARRAY_SIZE(first_names) * ARRAY_SIZE(last_names));
	int32_t org = g->cust_org[i];
	char domain[128], name[DESK_NAME_MAX + 1], suffix[24] = "";

	if (org >= 0) {
		org_name((size_t)org, name, sizeof(name));
		org_domain(name, domain, sizeof(domain));
	} else {
		snprintf(domain, sizeof(domain), "%s",
			 personal_domains[i % ARRAY_SIZE(personal_domains)]);
	}
	if (round)
		snprintf(suffix, sizeof(suffix), "%zu", round + 1);
	snprintf(out, len, "%s.%s%s@%s", cust_first(i), cust_last(i), suffix, domain);
	str_lower_ascii(out);
}

/* --- writes ------------------------------------------------------------------ */

static enum err_code event(struct gen *g, const char *entity, int64_t id, const char *kind,
			   int64_t actor, const char *field, const char *old_value,
			   const char *new_value, const char *data, int64_t at, struct err *e)
{
	struct event_new ev = {
		.entity = entity,
		.entity_id = id,
		.kind = kind,
		.actor_id = actor,
		.field = field,
		.old_value = old_value,
		.new_value = new_value,
		.data = data,
		.at = at,
	};
	g->st.events++;
	return repo_event_add(g->db, &ev, e);
}

static enum err_code add_user(struct gen *g, const char *email, const char *name, enum role role,
			      int64_t org, int64_t at, int64_t *id, struct err *e)
{
	char norm[DESK_EMAIL_MAX + 1];
	struct user_new u = {
		.email = email,
		.email_norm = norm,
		.name = name,
		.role = role,
		.organisation_id = org,
		.at = at,
	};
	enum err_code rc;

	lower_copy(email, norm, sizeof(norm));
	if ((rc = repo_user_insert(g->db, &u, id, e)))
		return rc;
	g->st.users++;
	return event(g, "user", *id, "user.created", 0, NULL, NULL, role_name(role), NULL, at, e);
}

static enum err_code add_group(struct gen *g, const char *name, int64_t at, int64_t *id,
			       struct err *e)
{
	char norm[DESK_NAME_MAX + 1];
	struct arena a;
	struct group_row row;
	struct err ignored = ERR_INIT;
	enum err_code rc;

	lower_copy(name, norm, sizeof(norm));
	arena_init(&a);
	/* An initialised desk may have the group already: use it. */
	rc = repo_group_by_name(g->db, &a, norm, &row, &ignored);
	arena_release(&a);
	if (rc == ERR_OK) {
		*id = row.id;
		return ERR_OK;
	}
	if (rc != ERR_NOT_FOUND)
		return err_set(e, rc, "%s", ignored.msg);
	if ((rc = repo_group_insert(g->db, name, norm, at, id, e)))
		return rc;
	g->st.groups++;
	return event(g, "group", *id, "group.created", 0, NULL, NULL, name, NULL, at, e);
}

static enum err_code add_member(struct gen *g, size_t area, int64_t user, const char *email,
				bool lead, int64_t at, struct err *e)
{
	char data[64];
	enum err_code rc = repo_group_add_member(g->db, g->group_id[area], user, lead, e);
	if (rc)
		return rc;
	snprintf(data, sizeof(data), "{\"user_id\":%" PRId64 ",\"lead\":%s}", user,
		 lead ? "true" : "false");
	return event(g, "group", g->group_id[area], "group.member_added", 0, NULL, NULL, email,
		     data, at, e);
}

static size_t clamp(int64_t v, int64_t lo, int64_t hi)
{
	return (size_t)(v < lo ? lo : v > hi ? hi : v);
}

/* The admin, groups, agents, engineers, organisations and customers. */
static enum err_code make_people(struct gen *g, int64_t tickets, struct err *e)
{
	struct arena a;
	struct user_row admin;
	struct err ignored = ERR_INIT;
	char email[DESK_EMAIL_MAX + 1], name[DESK_NAME_MAX + 1], domain[128];
	int64_t at = g->start - 30 * MS_PER_DAY;
	enum err_code rc;

	arena_init(&a);
	rc = repo_user_by_email(g->db, &a, "admin@demo.example", &admin, &ignored);
	arena_release(&a);
	if (rc == ERR_OK)
		g->admin_id = admin.id;
	else if (rc != ERR_NOT_FOUND)
		return err_set(e, rc, "%s", ignored.msg);
	else if ((rc = add_user(g, "admin@demo.example", "Demo Admin", ROLE_ADMIN, 0, at,
				&g->admin_id, e)))
		return rc;

	for (size_t i = 0; i < NAREAS; i++)
		if ((rc = add_group(g, areas[i].name, at + (int64_t)i * MS_PER_MIN, &g->group_id[i],
				    e)))
			return rc;
	at += MS_PER_HOUR;

	/* Agents: each in the group of an area, by the areas' shares; some in two. */
	g->nagents = clamp(tickets / 25000, 8, 60);
	g->agents = xcalloc(g->nagents, sizeof(*g->agents));
	for (size_t i = 0; i < NAREAS; i++)
		g->area_agents[i] = xcalloc(g->nagents, sizeof(size_t));
	for (size_t i = 0; i < g->nagents; i++) {
		struct staff *s = &g->agents[i];
		size_t area = i % NAREAS;
		/* Past one round, the busier areas get the extra agents. */
		if (i >= NAREAS) {
			double u = (double)((i * 37) % 100) / 100.0, acc = 0;
			for (area = 0; area + 1 < NAREAS; area++) {
				acc += areas[area].share;
				if (u < acc)
					break;
			}
		}
		s->first = first_names[(i * 11 + 5) % ARRAY_SIZE(first_names)];
		const char *last = last_names[(i * 7 + 3) % ARRAY_SIZE(last_names)];
		snprintf(name, sizeof(name), "%s %s", s->first, last);
		snprintf(email, sizeof(email), "%s.%s@demo.example", s->first, last);
		str_lower_ascii(email);
		if ((rc = add_user(g, email, name, ROLE_AGENT, 0, at + (int64_t)i * MS_PER_MIN,
				   &s->id, e)))
			return rc;
		if ((rc = add_member(g, area, s->id, email, g->narea_agents[area] == 0,
				     at + (int64_t)i * MS_PER_MIN, e)))
			return rc;
		g->area_agents[area][g->narea_agents[area]++] = i;
		if (i % 6 == 5) {
			size_t other = (area + 1) % NAREAS;
			if ((rc = add_member(g, other, s->id, email, false,
					     at + (int64_t)i * MS_PER_MIN, e)))
				return rc;
			g->area_agents[other][g->narea_agents[other]++] = i;
		}
	}
	at += MS_PER_DAY;

	/* Engineers: a light seat in the technical groups (Integrations, Platform, Data). */
	static const size_t engineer_area[] = {1, 2, 4, 2};
	g->nengineers = 2 + (tickets >= 100000) + (tickets >= 1000000);
	g->engineers = xcalloc(g->nengineers, sizeof(*g->engineers));
	for (size_t i = 0; i < g->nengineers; i++) {
		struct staff *s = &g->engineers[i];
		s->first = first_names[(i * 13 + 40) % ARRAY_SIZE(first_names)];
		const char *last = last_names[(i * 17 + 50) % ARRAY_SIZE(last_names)];
		snprintf(name, sizeof(name), "%s %s", s->first, last);
		snprintf(email, sizeof(email), "%s.%s@demo.example", s->first, last);
		str_lower_ascii(email);
		if ((rc = add_user(g, email, name, ROLE_ENGINEER, 0, at + (int64_t)i * MS_PER_MIN,
				   &s->id, e)))
			return rc;
		if ((rc = add_member(g, engineer_area[i], s->id, email, false,
				     at + (int64_t)i * MS_PER_MIN, e)))
			return rc;
	}
	at += MS_PER_DAY;

	/* Organisations, some sharing their tickets among their members. */
	g->norgs = clamp(tickets / 200, 5, 2000);
	g->org_id = xcalloc(g->norgs, sizeof(*g->org_id));
	for (size_t i = 0; i < g->norgs; i++) {
		char norm[DESK_NAME_MAX + 1];
		bool shares = rng_double(&g->rng) < 0.3;
		int64_t oat = at + (int64_t)i * MS_PER_MIN;
		org_name(i, name, sizeof(name));
		org_domain(name, domain, sizeof(domain));
		lower_copy(name, norm, sizeof(norm));
		if ((rc = repo_org_insert(g->db, name, norm, domain, shares, oat, &g->org_id[i],
					  e)))
			return rc;
		g->st.organisations++;
		if ((rc = event(g, "organisation", g->org_id[i], "organisation.created", 0, NULL,
				NULL, name, NULL, oat, e)))
			return rc;
	}
	at += (int64_t)g->norgs * MS_PER_MIN;

	/*
	 * Customers: most in organisations, in blocks whose sizes fall off
	 * with the organisation's rank (a few large customers, a long tail).
	 */
	g->ncustomers = clamp(tickets / 8, 20, 150000);
	g->cust_id = xcalloc(g->ncustomers, sizeof(*g->cust_id));
	g->cust_org = xcalloc(g->ncustomers, sizeof(*g->cust_org));
	g->org_first = xcalloc(g->norgs, sizeof(size_t));
	g->org_count = xcalloc(g->norgs, sizeof(size_t));
	size_t in_orgs = g->ncustomers * 85 / 100, next = 0;
	double wsum = 0;
	for (size_t i = 0; i < g->norgs; i++)
		wsum += pow((double)(i + 1), -0.8);
	for (size_t i = 0; i < g->norgs; i++) {
		size_t left = in_orgs - next, orgs_left = g->norgs - i;
		size_t n = (size_t)((double)in_orgs * pow((double)(i + 1), -0.8) / wsum);
		if (n < 1)
			n = 1;
		if (n > left - (orgs_left - 1) || i + 1 == g->norgs)
			n = left - (orgs_left - 1);
		g->org_first[i] = next;
		g->org_count[i] = n;
		for (size_t j = next; j < next + n; j++)
			g->cust_org[j] = (int32_t)i;
		next += n;
	}
	for (size_t j = next; j < g->ncustomers; j++)
		g->cust_org[j] = -1;
	/* Customers sign up over the 30 days before the first ticket, in order. */
	int64_t span = g->start - at;
	for (size_t i = 0; i < g->ncustomers; i++) {
		int32_t org = g->cust_org[i];

		cust_email(g, i, email, sizeof(email));
		snprintf(name, sizeof(name), "%s %s", cust_first(i), cust_last(i));
		if ((rc = add_user(g, email, name, ROLE_CUSTOMER, org >= 0 ? g->org_id[org] : 0,
				   at + (int64_t)((double)span * (double)i / (double)g->ncustomers),
				   &g->cust_id[i], e)))
			return rc;
	}
	return ERR_OK;
}

/* --- a ticket's life ------------------------------------------------------------ */

/* t moved forward by dur of business time (Mon-Fri 08:00-18:00 UTC). */
static int64_t business_add(int64_t t, int64_t dur)
{
	for (;;) {
		int64_t day = t - (t % MS_PER_DAY + MS_PER_DAY) % MS_PER_DAY;
		int64_t open = day + 8 * MS_PER_HOUR, close = day + 18 * MS_PER_HOUR;

		if (time_weekday_utc(t) >= 5 || t >= close) {
			t = day + MS_PER_DAY + 8 * MS_PER_HOUR;
			continue;
		}
		if (t < open)
			t = open;
		if (t + dur <= close)
			return t + dur;
		dur -= close - t;
		t = day + MS_PER_DAY + 8 * MS_PER_HOUR;
	}
}

/* A log-normal delay in ms, capped so one outlier does not span years. */
static int64_t delay(struct gen *g, double median_hours, double sigma, double cap_hours)
{
	double h = rng_lognormal(&g->rng, median_hours, sigma);
	if (h > cap_hours)
		h = cap_hours;
	return (int64_t)(h * (double)MS_PER_HOUR) + 60 * MS_PER_SEC;
}

/* How long an agent waits for a customer's answer before solving: 30-49 business hours. */
static int64_t wait_solve(struct gen *g)
{
	return (int64_t)(30 + pick(&g->rng, 20)) * MS_PER_HOUR;
}

static const struct staff *group_agent(struct gen *g)
{
	size_t area = (size_t)(g->area - areas);
	size_t n = g->narea_agents[area];
	return &g->agents[g->area_agents[area][pick(&g->rng, n)]];
}

/*
 * Appends a step at time at, applying the status machine. Returns false
 * (nothing added) when at is not before now or the ticket is full.
 */
static bool add_message(struct gen *g, struct ticket_row *t, int64_t at, enum msg_kind kind,
			const struct staff *who, enum role role, enum text_kind text, int request)
{
	struct status_message m = {
		.current = t->status,
		.author = role,
		.kind = kind,
		.has_first_response = t->first_response_at != 0,
		.requested = request >= 0,
		.request = request >= 0 ? (enum status)request : STATUS_NEW,
	};
	struct status_outcome out;
	struct step *s;

	if (g->nsteps && at <= g->steps[g->nsteps - 1].at)
		at = g->steps[g->nsteps - 1].at + MS_PER_SEC;
	if (at >= g->now || g->nsteps == MAX_STEPS)
		return false;
	if (status_on_message(&m, &out) != STATUS_OK)
		BUG("demo message refused by the status machine");
	s = &g->steps[g->nsteps++];
	*s = (struct step){
		.at = at,
		.message = true,
		.kind = kind,
		.author_id = who ? who->id : g->cust_id[g->requester],
		.role = role,
		.author_first = who ? who->first : cust_first(g->requester),
		.text = text,
		.from = t->status,
		.to = out.next,
		.first_response = out.sets_first_response,
	};
	if (out.sets_first_response)
		t->first_response_at = at;
	t->status = out.next;
	if (out.next == STATUS_SOLVED && s->from != STATUS_SOLVED)
		t->solved_at = at;
	if (out.reopens)
		t->solved_at = 0;
	t->updated_at = at;
	return true;
}

/* A status change without a message, by actor (0: the system). */
static bool set_status(struct gen *g, struct ticket_row *t, int64_t at, int64_t actor,
		       enum status to)
{
	struct step *s;

	if (g->nsteps && at <= g->steps[g->nsteps - 1].at)
		at = g->steps[g->nsteps - 1].at + MS_PER_SEC;
	if (at >= g->now || g->nsteps == MAX_STEPS)
		return false;
	if (!status_can_set(t->status, to) || to == t->status)
		BUG("demo status change refused by the status machine");
	s = &g->steps[g->nsteps++];
	*s = (struct step){.at = at, .message = false, .author_id = actor, .from = t->status,
			   .to = to};
	if (to == STATUS_SOLVED)
		t->solved_at = at;
	if (to == STATUS_CLOSED)
		t->closed_at = at;
	t->status = to;
	t->updated_at = at;
	return true;
}

static int64_t last_at(struct gen *g)
{
	return g->steps[g->nsteps - 1].at;
}

/* The agent's reply with the given text and status, or false past now. */
static bool agent_reply(struct gen *g, struct ticket_row *t, const struct staff *agent,
			double median_hours, enum text_kind text, int status)
{
	int64_t at = business_add(last_at(g), delay(g, median_hours, 1.0, 45));
	return add_message(g, t, at, MSG_PUBLIC, agent, ROLE_AGENT, text, status);
}

/* How far a conversation got: what the agent already did. */
struct talk {
	int asks;
	bool working, escalated;
};

/* The agent's next move on a ticket they hold: answer, ask, work on it or escalate. */
static bool agent_moves(struct gen *g, struct ticket_row *t, const struct staff *agent,
			double median_hours, struct talk *k)
{
	double u = rng_double(&g->rng);
	/* The more the agent knows, the likelier an answer. */
	double answer = k->asks == 0 ? 0.55 : k->asks == 1 ? 0.75 : 0.9;
	double ask = answer + (1 - answer) * 0.6;
	double work = ask + (1 - answer) * 0.2;

	if (u < answer)
		return agent_reply(g, t, agent, median_hours, TXT_ANSWER, STATUS_SOLVED);
	if (u < ask)
		return agent_reply(g, t, agent, median_hours, k->asks++ ? TXT_ASK_MORE : TXT_ASK,
				   STATUS_PENDING);
	if (u < work && !k->working) {
		k->working = true;
		return agent_reply(g, t, agent, median_hours, TXT_WORKING, -1);
	}
	if (k->escalated)
		return agent_reply(g, t, agent, median_hours, TXT_ANSWER, STATUS_SOLVED);
	k->escalated = true;
	return agent_reply(g, t, agent, median_hours, TXT_ESCALATE, STATUS_ON_HOLD);
}

/* Plans the ticket's life from its opening message until it closes or now comes. */
static void simulate(struct gen *g, struct ticket_row *t, const struct staff *agent)
{
	static const double first_median[PRIORITY__COUNT] = {6.0, 3.0, 1.5, 0.5};
	double median = first_median[t->priority];
	struct talk k = {0};
	bool live = true;

	g->nsteps = 0;
	add_message(g, t, t->created_at, MSG_PUBLIC, NULL, ROLE_CUSTOMER, TXT_OPENING, -1);
	if (rng_double(&g->rng) < 0.07)
		add_message(g, t, t->created_at + delay(g, 2, 1.0, 48), MSG_PUBLIC, NULL,
			    ROLE_CUSTOMER, TXT_NUDGE, -1);
	if (rng_double(&g->rng) < 0.10)
		add_message(g, t, business_add(last_at(g), delay(g, 0.5, 1.0, 24)), MSG_INTERNAL,
			    agent, ROLE_AGENT, TXT_AGENT_NOTE, -1);

	/* The first reply: an answer, a question, or a hand-off. */
	live = agent_moves(g, t, agent, median, &k);
	for (int round = 0; live && round < 8; round++) {
		const struct staff *eng;
		double u = rng_double(&g->rng);

		switch (t->status) {
		case STATUS_PENDING:
			if (u < 0.75)
				live = add_message(g, t, last_at(g) + delay(g, 5, 1.2, 120),
						   MSG_PUBLIC, NULL, ROLE_CUSTOMER,
						   k.asks > 1 ? TXT_INFO_MORE : TXT_INFO, -1);
			else /* no answer: the agent solves it after a few business days */
				live = set_status(g, t, business_add(last_at(g), wait_solve(g)),
						  agent->id, STATUS_SOLVED);
			break;
		case STATUS_OPEN:
			if (rng_double(&g->rng) < 0.1)
				agent = group_agent(g); /* a colleague in the group helps out */
			live = agent_moves(g, t, agent, 3.0, &k);
			break;
		case STATUS_ON_HOLD:
			eng = &g->engineers[pick(&g->rng, g->nengineers)];
			live = add_message(g, t, business_add(last_at(g), delay(g, 8, 1.0, 200)),
					   MSG_INTERNAL, eng, ROLE_ENGINEER, TXT_ENGINEER_NOTE,
					   -1) &&
			       agent_reply(g, t, agent, 1.5, u < 0.75 ? TXT_ANSWER
							     : k.asks++ ? TXT_ASK_MORE : TXT_ASK,
					   u < 0.75 ? STATUS_SOLVED : STATUS_PENDING);
			break;
		case STATUS_SOLVED:
			if (u < 0.08) {
				live = add_message(g, t, last_at(g) + delay(g, 20, 1.0, 300),
						   MSG_PUBLIC, NULL, ROLE_CUSTOMER, TXT_REOPEN, -1);
			} else {
				/* Solved tickets close after four days unless reopened. */
				set_status(g, t, last_at(g) + 4 * MS_PER_DAY +
						      (int64_t)pick(&g->rng, 3600) * MS_PER_SEC,
					   0, STATUS_CLOSED);
				live = false;
			}
			break;
		default:
			live = false;
			break;
		}
	}
}

/* --- text ------------------------------------------------------------------ */

/* Appends tpl with its {placeholders} filled for the current ticket. */
static void expand(struct gen *g, const char *tpl, const char *agent_first)
{
	struct buf *b = &g->text;
	char org[DESK_NAME_MAX + 1] = "our company", num[24];

	while (*tpl) {
		const char *open = strchr(tpl, '{');
		if (!open) {
			buf_puts(b, tpl);
			return;
		}
		buf_append(b, tpl, (size_t)(open - tpl));
		const char *close = strchr(open, '}');
		if (!close)
			BUG("unterminated placeholder in demo text");
		size_t len = (size_t)(close - open - 1);
		const char *key = open + 1, *val = NULL;
#define KEY(k) (len == sizeof(k) - 1 && memcmp(key, k, len) == 0)
		if (KEY("product"))
			val = g->product;
		else if (KEY("version"))
			val = g->version;
		else if (KEY("code"))
			val = g->code;
		else if (KEY("invoice"))
			val = g->invoice;
		else if (KEY("date"))
			val = g->date;
		else if (KEY("os"))
			val = g->os;
		else if (KEY("browser"))
			val = g->browser;
		else if (KEY("region"))
			val = g->region;
		else if (KEY("plan"))
			val = g->plan;
		else if (KEY("customer"))
			val = cust_first(g->requester);
		else if (KEY("agent"))
			val = agent_first ? agent_first : "Champion Support";
		else if (KEY("http")) {
			snprintf(num, sizeof(num), "%d", g->http);
			val = num;
		} else if (KEY("n")) {
			snprintf(num, sizeof(num), "%d", g->n);
			val = num;
		} else if (KEY("org")) {
			if (g->cust_org[g->requester] >= 0)
				org_name((size_t)g->cust_org[g->requester], org, sizeof(org));
			val = org;
		}
#undef KEY
		if (!val)
			BUG("unknown placeholder in demo text");
		buf_puts(b, val);
		tpl = close + 1;
	}
}

static void paragraph(struct gen *g, const char *tpl, const char *agent_first)
{
	if (g->text.len)
		buf_puts(&g->text, "\n\n");
	expand(g, tpl, agent_first);
}

/* The body of step s into g->text. */
static void compose(struct gen *g, const struct step *s)
{
	const struct problem *p = g->problem;
	const char *who = s->author_first;

	buf_reset(&g->text);
	switch (s->text) {
	case TXT_OPENING:
	case TXT_NUDGE:
	case TXT_INFO:
	case TXT_INFO_MORE:
	case TXT_REOPEN:
		paragraph(g, PICK(&g->rng, customer_hello), NULL);
		if (s->text == TXT_OPENING)
			paragraph(g, p->body[pick(&g->rng, ARRAY_SIZE(p->body))], NULL);
		else if (s->text == TXT_NUDGE)
			paragraph(g, PICK(&g->rng, nudge), NULL);
		else if (s->text == TXT_INFO)
			paragraph(g, p->info, NULL);
		else if (s->text == TXT_INFO_MORE)
			paragraph(g, PICK(&g->rng, more_info), NULL);
		else
			paragraph(g, PICK(&g->rng, reopen), NULL);
		paragraph(g, PICK(&g->rng, customer_bye), NULL);
		break;
	case TXT_ASK:
	case TXT_ASK_MORE:
	case TXT_WORKING:
	case TXT_ESCALATE:
	case TXT_ANSWER:
		paragraph(g, PICK(&g->rng, agent_hello), who);
		if (s->text == TXT_ASK)
			paragraph(g, p->ask, who);
		else if (s->text == TXT_ASK_MORE)
			paragraph(g, PICK(&g->rng, ask_more), who);
		else if (s->text == TXT_WORKING)
			paragraph(g, PICK(&g->rng, working), who);
		else if (s->text == TXT_ESCALATE)
			paragraph(g, PICK(&g->rng, escalate), who);
		else
			paragraph(g, p->answer[pick(&g->rng, ARRAY_SIZE(p->answer))], who);
		paragraph(g, PICK(&g->rng, agent_bye), who);
		break;
	case TXT_AGENT_NOTE:
		paragraph(g, PICK(&g->rng, agent_notes), who);
		break;
	case TXT_ENGINEER_NOTE:
		paragraph(g, PICK(&g->rng, engineer_notes), who);
		break;
	}
}

/* Placeholder values for a new ticket. */
static void ticket_vars(struct gen *g, int64_t created)
{
	struct rng *r = &g->rng;
	int64_t y;
	unsigned m, d;

	snprintf(g->version, sizeof(g->version), "%d.%d.%d", 3 + (int)pick(r, 3),
		 (int)pick(r, 20), (int)pick(r, 10));
	snprintf(g->code, sizeof(g->code), "%s-%d", g->area->code_prefix,
		 1000 + (int)pick(r, 9000));
	time_civil_from_days((created - (int64_t)pick(r, 10) * MS_PER_DAY) / MS_PER_DAY, &y, &m,
			     &d);
	snprintf(g->date, sizeof(g->date), "%04d-%02u-%02u", (int)y, m, d);
	snprintf(g->invoice, sizeof(g->invoice), "INV-%04d-%06d", (int)y, (int)pick(r, 1000000));
	g->http = PICK(r, http_codes);
	g->n = 2 + (int)pick(r, 200);
	g->product = g->area->product[pick(r, ARRAY_SIZE(g->area->product))];
	g->os = PICK(r, oses);
	g->browser = PICK(r, browsers);
	g->region = PICK(r, regions);
	g->plan = PICK(r, plans);
}

/* --- one ticket --------------------------------------------------------------- */

static enum priority draw_priority(struct rng *r)
{
	double u = rng_double(r);
	return u < 0.12 ? PRIORITY_LOW : u < 0.80 ? PRIORITY_NORMAL
			: u < 0.96 ? PRIORITY_HIGH : PRIORITY_URGENT;
}

static enum channel draw_channel(struct rng *r)
{
	double u = rng_double(r);
	return u < 0.58 ? CHANNEL_EMAIL : u < 0.78 ? CHANNEL_WEB : u < 0.95 ? CHANNEL_PORTAL
				      : CHANNEL_API;
}

/* s as a JSON string (quotes included) into out; s holds no control characters. */
static void json_string(const char *s, char *out, size_t len)
{
	size_t j = 0;

	out[j++] = '"';
	for (; *s && j + 3 < len; s++) {
		if (*s == '"' || *s == '\\')
			out[j++] = '\\';
		out[j++] = *s;
	}
	out[j++] = '"';
	out[j] = '\0';
}

/* Writes one step of the ticket's life: the message and the events it causes. */
static enum err_code write_step(struct gen *g, int64_t id, const struct ticket_row *t,
				const struct step *s, struct err *e)
{
	char data[64], ms[24];
	enum err_code rc;

	if (s->message) {
		struct message_row m = {
			.ticket_id = id,
			.author_id = s->author_id,
			.author_role = s->role,
			.kind = s->kind,
			.channel = s->role != ROLE_CUSTOMER ? CHANNEL_WEB
				   : t->channel == CHANNEL_API ? CHANNEL_EMAIL : t->channel,
			.created_at = s->at,
		};
		int64_t mid;

		compose(g, s);
		m.body_text = buf_str(&g->text);
		if ((rc = repo_message_insert(g->db, &m, &mid, e)))
			return rc;
		search_bulk_add(g->search, mid, t->subject, m.body_text);
		g->st.messages++;
		snprintf(data, sizeof(data), "{\"message_id\":%" PRId64 "}", mid);
		if ((rc = event(g, "ticket", id,
				s->kind == MSG_PUBLIC ? "message.public" : "message.internal",
				s->author_id, NULL, NULL, NULL, data, s->at, e)))
			return rc;
	}
	if (s->from != s->to &&
	    (rc = event(g, "ticket", id, "field.status", s->author_id, "status",
			status_name(s->from), status_name(s->to), NULL, s->at, e)))
		return rc;
	if (s->first_response) {
		snprintf(ms, sizeof(ms), "%" PRId64, s->at);
		if ((rc = event(g, "ticket", id, "ticket.first_response", s->author_id,
				"first_response_at", NULL, ms, NULL, s->at, e)))
			return rc;
	}
	return ERR_OK;
}

/*
 * One ticket arriving at created: who, what and how, its simulated life,
 * then the rows, in the order the desk's own use cases write them.
 */
static enum err_code write_ticket(struct gen *g, int64_t created, struct err *e)
{
	struct ticket_row t = {0};
	char subject[DESK_SUBJECT_MAX + 1], subject_json[2 * DESK_SUBJECT_MAX + 3];
	char data[sizeof(subject_json) + 200], email[DESK_EMAIL_MAX + 1];
	const struct staff *agent;
	int64_t id;
	size_t follower = SIZE_MAX;
	enum err_code rc;
	double u = rng_double(&g->rng), acc = 0;
	size_t ai;

	for (ai = 0; ai + 1 < NAREAS; ai++) {
		acc += areas[ai].share;
		if (u < acc)
			break;
	}
	g->area = &areas[ai];
	g->problem = &g->area->problem[pick(&g->rng, g->area->nproblems)];
	/* Requesters: a few customers write often, most now and then. */
	g->requester = (size_t)((double)g->ncustomers * pow(rng_double(&g->rng), 1.6));
	if (g->requester >= g->ncustomers)
		g->requester = g->ncustomers - 1;
	ticket_vars(g, created);
	agent = group_agent(g);

	t.status = STATUS_NEW;
	t.priority = draw_priority(&g->rng);
	t.requester_id = g->cust_id[g->requester];
	t.assignee_id = agent->id;
	t.group_id = g->group_id[ai];
	int32_t org = g->cust_org[g->requester];
	t.organisation_id = org >= 0 ? g->org_id[org] : 0;
	t.channel = draw_channel(&g->rng);
	t.created_at = created;
	t.updated_at = created;
	simulate(g, &t, agent);

	/* A colleague follows some of an organisation's tickets. */
	if (org >= 0 && g->org_count[org] > 1 && rng_double(&g->rng) < 0.04) {
		size_t c = g->org_first[org] + pick(&g->rng, g->org_count[org]);
		if (c != g->requester)
			follower = c;
	}

	buf_reset(&g->text);
	expand(g, g->problem->subject[pick(&g->rng, ARRAY_SIZE(g->problem->subject))], NULL);
	snprintf(subject, sizeof(subject), "%s", buf_str(&g->text));
	t.subject = subject;
	if ((rc = repo_ticket_insert(g->db, &t, &id, e)))
		return rc;
	g->st.tickets++;

	/* Keys sorted, as desk_ticket_create writes them. */
	json_string(subject, subject_json, sizeof(subject_json));
	snprintf(data, sizeof(data),
		 "{\"assignee_id\":%" PRId64 ",\"channel\":\"%s\",\"group_id\":%" PRId64
		 ",\"priority\":\"%s\",\"requester_id\":%" PRId64 ",\"subject\":%s}",
		 t.assignee_id, channel_name(t.channel), t.group_id, priority_name(t.priority),
		 t.requester_id, subject_json);
	if ((rc = event(g, "ticket", id, "ticket.created", t.requester_id, NULL, NULL, NULL, data,
			created, e)) ||
	    (rc = write_step(g, id, &t, &g->steps[0], e)))
		return rc;

	/* Tags and followers come with the opening message, set by the routing rules. */
	const char *tags[3] = {g->area->tag, g->problem->tag,
			       t.priority == PRIORITY_URGENT ? "urgent" : NULL};
	for (size_t i = 0; i < ARRAY_SIZE(tags) && tags[i]; i++) {
		bool added;
		if ((rc = repo_tag_add(g->db, id, tags[i], &added, e)) ||
		    (rc = event(g, "ticket", id, "tag.added", 0, "tags", NULL, tags[i], NULL,
				created, e)))
			return rc;
	}
	if (follower != SIZE_MAX) {
		bool added;
		cust_email(g, follower, email, sizeof(email));
		if ((rc = repo_follower_add(g->db, id, g->cust_id[follower], &added, e)) ||
		    (rc = event(g, "ticket", id, "follower.added", t.requester_id, "followers",
				NULL, email, NULL, created, e)))
			return rc;
	}
	for (size_t i = 1; i < g->nsteps; i++)
		if ((rc = write_step(g, id, &t, &g->steps[i], e)))
			return rc;
	return ERR_OK;
}

/* --- bulk loading ------------------------------------------------------------- */

/*
 * SQLite only, all of it in this one spot: the settings of a bulk load.
 *
 *  - journal_mode=DELETE instead of WAL: pages appended to the file are
 *    written once, not to the WAL and again at the checkpoint (when
 *    another connection holds the file, SQLite keeps WAL: only slower);
 *  - synchronous=OFF: the durability of each batch's commit does not
 *    matter while the demo fills the file (a crash means starting over
 *    on a new file); the rollback journal still protects against a kill;
 *  - a 64 MiB page cache, statement journals in memory, the file mapped
 *    for reading, two sorter threads for the index builds;
 *  - no foreign-key or CHECK evaluation: every value comes from the
 *    model's own names and the ids just written (and a CHECK (x IN (...))
 *    costs SQLite a temporary b-tree per row);
 *  - the secondary indexes of the ticket tables are dropped, and made
 *    again at the end from their exact DDL as read back from
 *    sqlite_master: one sorted build is faster than millions of inserts.
 *  - so are the search index's triggers: a second thread indexes the
 *    messages while they are written (search_bulk_*), into a scratch file
 *    copied in at the end, and the triggers are made again after it. When
 *    that fails, the index is rebuilt in one pass (search_rebuild); either
 *    is several times faster than keeping it up to date row by row.
 *  - and the ticket documents' triggers: every document is rendered at
 *    the end, a batch per transaction (desk_docs_rebuild).
 *
 * bulk_end restores every setting and index, on success and on error.
 */
struct bulk {
	bool on;
	char journal_mode[16];
	int64_t synchronous, cache_size, foreign_keys, temp_store, threads, mmap_size;
	struct arena a;
	const char **index_name, **index_sql;
	bool *is_trigger;
	size_t nindexes;
	bool search_stale; /* the search index misses what was written */
};

#define BULK_MAX_INDEXES 64

/* Triggers after indexes: the search index's triggers go last, after its rebuild. */
static const char bulk_indexes_sql[] =
	"SELECT name, sql, type FROM sqlite_master WHERE sql IS NOT NULL AND "
	"((type = 'index' AND tbl_name IN ('tickets', 'messages', 'events', 'ticket_tags', "
	"'ticket_followers')) OR (type = 'trigger' AND (name LIKE 'search\\_%' ESCAPE '\\' OR "
	"name LIKE 'doc\\_%' ESCAPE '\\'))) "
	"ORDER BY type, name";
static const char bulk_has_index_sql[] =
	"SELECT count(*) FROM sqlite_master WHERE type IN ('index', 'trigger') AND name = $1";

/* The value of a PRAGMA that returns one row, as an integer or as text. */
static enum err_code pragma_get(struct db *db, const char *sql, int64_t *v, char *text,
				size_t len, struct err *e)
{
	struct db_stmt *st;
	enum err_code rc = db_prepare(db, sql, &st, e);
	if (rc)
		return rc;
	if (db_step(st, e) == DB_ROW) {
		if (v)
			*v = db_col_int64(st, 0);
		if (text)
			snprintf(text, len, "%s", db_col_text(st, 0) ? db_col_text(st, 0) : "");
	} else {
		rc = e->code ? e->code : err_set(e, ERR_INTERNAL, "'%s' returned nothing", sql);
	}
	db_done(st);
	return rc;
}

/* The settings; outside a transaction. */
static enum err_code bulk_begin(struct db *db, struct bulk *b, struct err *e)
{
	enum err_code rc;

	memset(b, 0, sizeof(*b));
	arena_init(&b->a);
	if (strcmp(db_backend(db), "sqlite") != 0)
		return ERR_OK;
	if ((rc = pragma_get(db, "PRAGMA journal_mode", NULL, b->journal_mode,
			     sizeof(b->journal_mode), e)) ||
	    (rc = pragma_get(db, "PRAGMA synchronous", &b->synchronous, NULL, 0, e)) ||
	    (rc = pragma_get(db, "PRAGMA cache_size", &b->cache_size, NULL, 0, e)) ||
	    (rc = pragma_get(db, "PRAGMA foreign_keys", &b->foreign_keys, NULL, 0, e)) ||
	    (rc = pragma_get(db, "PRAGMA temp_store", &b->temp_store, NULL, 0, e)) ||
	    (rc = pragma_get(db, "PRAGMA threads", &b->threads, NULL, 0, e)) ||
	    (rc = pragma_get(db, "PRAGMA mmap_size", &b->mmap_size, NULL, 0, e)))
		return rc;
	for (const char *p = b->journal_mode; *p; p++)
		if (!(*p >= 'a' && *p <= 'z'))
			return err_set(e, ERR_INTERNAL, "unexpected journal mode '%s'",
				       b->journal_mode);
	b->on = true;
	return db_exec(db, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; "
			   "PRAGMA cache_size=-65536; PRAGMA foreign_keys=OFF; "
			   "PRAGMA ignore_check_constraints=ON; PRAGMA temp_store=MEMORY; "
			   "PRAGMA threads=2; PRAGMA mmap_size=2147418112",
		       e);
}

/* Drops the secondary indexes, remembering their DDL; inside the first transaction. */
static enum err_code bulk_drop_indexes(struct db *db, struct bulk *b, struct err *e)
{
	struct db_stmt *st;
	enum err_code rc;
	int r;

	if (!b->on)
		return ERR_OK;
	if ((rc = db_prepare(db, bulk_indexes_sql, &st, e)))
		return rc;
	b->index_name = arena_array(&b->a, BULK_MAX_INDEXES, sizeof(char *));
	b->index_sql = arena_array(&b->a, BULK_MAX_INDEXES, sizeof(char *));
	b->is_trigger = arena_array(&b->a, BULK_MAX_INDEXES, sizeof(bool));
	while ((r = db_step(st, e)) == DB_ROW && b->nindexes < BULK_MAX_INDEXES) {
		b->is_trigger[b->nindexes] = strcmp(db_col_text(st, 2), "trigger") == 0;
		b->index_name[b->nindexes] = arena_strdup(&b->a, db_col_text(st, 0));
		b->index_sql[b->nindexes++] = arena_strdup(&b->a, db_col_text(st, 1));
	}
	db_done(st);
	if (r < 0)
		return e->code;
	b->search_stale = true;
	for (size_t i = 0; i < b->nindexes; i++) {
		char *sql = arena_printf(&b->a, "DROP %s \"%s\"",
					 b->is_trigger[i] ? "TRIGGER" : "INDEX", b->index_name[i]);
		if ((rc = db_exec(db, sql, e)))
			return rc;
	}
	return ERR_OK;
}

/*
 * Makes again every dropped index that is missing now, rebuilds the search
 * index (one pass over every message) and restores its triggers; inside a
 * transaction.
 */
static enum err_code bulk_make_indexes(struct db *db, struct bulk *b, struct err *e)
{
	enum err_code rc = ERR_OK;

	for (size_t i = 0; i < b->nindexes && !rc; i++) {
		struct db_stmt *st;
		int64_t n = 1;

		if (b->is_trigger[i] && b->search_stale) {
			if ((rc = search_rebuild(db, e)))
				break;
			b->search_stale = false;
		}

		if ((rc = db_prepare(db, bulk_has_index_sql, &st, e)))
			break;
		db_bind_text(st, 1, b->index_name[i]);
		if (db_step(st, e) == DB_ROW)
			n = db_col_int64(st, 0);
		else
			rc = e->code ? e->code : ERR_INTERNAL;
		db_done(st);
		if (!rc && n == 0)
			rc = db_exec(db, b->index_sql[i], e);
	}
	return rc;
}

/* Back to the desk's indexes and settings; best effort, outside a transaction. */
static void bulk_end(struct db *db, struct bulk *b)
{
	struct err e = ERR_INIT;
	char sql[384];

	if (b->on) {
		if (b->nindexes && (db_begin(db, &e) || bulk_make_indexes(db, b, &e) ||
				    db_commit(db, &e))) {
			db_rollback(db);
			log_error("cannot make the desk's indexes again after the demo",
				  "error=\"%s\"", e.msg);
		}
		snprintf(sql, sizeof(sql),
			 "PRAGMA synchronous=%" PRId64 "; PRAGMA cache_size=%" PRId64
			 "; PRAGMA foreign_keys=%" PRId64 "; PRAGMA temp_store=%" PRId64
			 "; PRAGMA threads=%" PRId64 "; PRAGMA mmap_size=%" PRId64
			 "; PRAGMA ignore_check_constraints=OFF; PRAGMA journal_mode=%s",
			 b->synchronous, b->cache_size, b->foreign_keys, b->temp_store, b->threads,
			 b->mmap_size, b->journal_mode);
		if (db_exec(db, sql, &e))
			log_warn("cannot restore the desk's settings after the demo",
				 "error=\"%s\"", e.msg);
	}
	arena_release(&b->a);
	memset(b, 0, sizeof(*b));
}

static enum err_code check_empty(struct db *db, struct err *e)
{
	int64_t n = 0;
	enum err_code rc = repo_count(db, "tickets", &n, e);
	if (rc)
		return rc;
	if (n > 0)
		return err_set(e, ERR_CONFLICT,
			       "the desk already has %" PRId64 " ticket%s; demo fills only an "
			       "empty desk (use a new --db path)",
			       n, n == 1 ? "" : "s");
	return ERR_OK;
}

enum err_code desk_demo(struct desk *d, const struct demo_options *o, struct demo_stats *out,
			struct err *e)
{
	struct gen g;
	struct bulk bulk;
	struct arrival_stream arrivals;
	enum err_code rc;

	memset(&g, 0, sizeof(g));
	memset(&bulk, 0, sizeof(bulk));
	memset(out, 0, sizeof(*out));
	if (o->tickets < 1 || o->days < 1)
		return err_set(e, ERR_INVALID, "demo needs at least one ticket and one day");
	g.db = d->store.db;
	rng_init(&g.rng, o->seed);
	buf_init(&g.text, DESK_BODY_MAX);
	g.now = time_now_ms();
	g.start = g.now - (int64_t)o->days * MS_PER_DAY;
	arrival_model_default(&g.model, g.now);
	if (arrival_stream_init(&arrivals, &g.model, g.start, g.now, (uint64_t)o->tickets,
				&g.rng)) {
		rc = err_set(e, ERR_INTERNAL, "the arrival model has no mass in the window");
		goto out;
	}

	if ((rc = bulk_begin(g.db, &bulk, e)) || (rc = db_begin(g.db, e)))
		goto out;
	if ((rc = check_empty(g.db, e)) || (rc = bulk_drop_indexes(g.db, &bulk, e)) ||
	    (rc = make_people(&g, o->tickets, e)))
		goto out;
	if (bulk.on) {
		const char *scratch = arena_printf(&bulk.a, "%s.search-build", d->store.target);
		if ((rc = search_bulk_begin(g.db, d->store.target, scratch, &g.search, e)))
			goto out;
	}
	for (int64_t i = 0; i < o->tickets; i++) {
		if ((rc = write_ticket(&g, arrival_stream_next(&arrivals), e)))
			goto out;
		if ((i + 1) % BATCH_TICKETS == 0 && i + 1 < o->tickets) {
			if ((rc = db_commit(g.db, e)) || (rc = db_begin(g.db, e)))
				goto out;
		}
		/* The last call waits for the indexes. */
		if (o->progress && (i + 1) % PROGRESS_EVERY == 0 && i + 1 < o->tickets)
			o->progress(o->progress_arg, i + 1, o->tickets);
	}
	if ((rc = db_commit(g.db, e)))
		goto out;
	if (g.search) {
		struct err se = ERR_INIT;
		struct search_bulk *sb = g.search;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		g.search = NULL;
		if (search_bulk_finish(sb, &se)) {
			log_warn("cannot build the search index beside the demo; rebuilding it",
				 "error=\"%s\"", se.msg);
		} else {
			bulk.search_stale = false;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			log_info("search index copied in", "waited_ms=%" PRId64,
				 (int64_t)(t1.tv_sec - t0.tv_sec) * 1000 +
					 (t1.tv_nsec - t0.tv_nsec) / 1000000);
		}
	}
	/* No policy exists on a new desk: the queue's order is who waits longest. */
	if ((rc = db_begin(g.db, e)) || (rc = bulk_make_indexes(g.db, &bulk, e)) ||
	    (rc = repo_ticket_sla_wait_keys(g.db, e)) || (rc = db_commit(g.db, e)))
		goto out;
	/* The documents' triggers were off: every ticket's is rendered now, in batches. */
	if (bulk.on && (rc = desk_docs_rebuild(d, e)))
		goto out;
	if (o->progress)
		o->progress(o->progress_arg, o->tickets, o->tickets);
out:
	search_bulk_abort(g.search);
	if (rc && db_depth(g.db) > 0)
		db_rollback(g.db);
	bulk_end(g.db, &bulk);
	*out = g.st;
	buf_release(&g.text);
	free(g.agents);
	for (size_t i = 0; i < NAREAS; i++)
		free(g.area_agents[i]);
	free(g.engineers);
	free(g.org_id);
	free(g.org_first);
	free(g.org_count);
	free(g.cust_id);
	free(g.cust_org);
	return rc;
}
