#!/usr/bin/env python3
"""gen_mbox.py - a synthetic support mailbox as an mbox file, for bench/import.sh.

    gen_mbox.py N FILE [SEED]

N messages from 5,000 customers: about 55% open a conversation, 45% answer
one (In-Reply-To and References to the conversation's last message, a
"Re: [#?]"-less subject, the earlier text quoted Gmail-style); some carry
an attachment, some Cc a colleague, a few are auto-replies. Deterministic
for a seed. mboxrd: body lines starting with "From " are quoted.
"""
import random
import sys

WORDS = ("invoice refund password reset login export import sync calendar vpn "
         "timeout attachment webhook api token printer report dashboard billing "
         "upgrade downgrade cancel subscription error crash slow search filter "
         "email notification mobile app browser chrome firefox settings account").split()
SUBJECTS = ["Cannot {0} my {1}", "{0} fails with an error", "Question about {0}",
            "{0} is very slow", "Help with {0} and {1}", "Urgent: {0} broken"]


def sentence(r, n):
    return " ".join(r.choice(WORDS) for _ in range(n)).capitalize() + "."


def main():
    n = int(sys.argv[1])
    path = sys.argv[2]
    r = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    threads = []  # (subject, customer, [message ids], last text)
    t = 1764547200  # 2025-12-01
    with open(path, "w", encoding="utf-8", newline="") as f:
        for i in range(n):
            t += r.randint(1, 60)
            mid = "gen%d.%d@mail.example.org" % (i, r.randint(0, 1 << 30))
            reply = threads and r.random() < 0.45
            if reply:
                th = threads[r.randrange(max(0, len(threads) - 2000), len(threads))]
                subject = "Re: " + th[0]
                cust = th[1]
                refs = th[2][-10:]
                body = sentence(r, r.randint(5, 25)) + "\n\nOn Mon, Support wrote:\n" + \
                    "\n".join("> " + line for line in th[3].splitlines()) + "\n"
            else:
                subject = r.choice(SUBJECTS).format(r.choice(WORDS), r.choice(WORDS))
                cust = "customer%d@client%d.example.com" % (r.randrange(5000), r.randrange(400))
                refs = []
                body = "\n\n".join(sentence(r, r.randint(8, 30)) for _ in range(r.randint(1, 4)))
                body += "\n\n-- \nA customer\n"
                th = [subject, cust, [], ""]
                threads.append(th)
            th[2].append(mid)
            th[3] = body
            date = "Mon, %02d Dec 2025 %02d:%02d:%02d +0000" % (
                1 + (t // 86400) % 28, (t // 3600) % 24, (t // 60) % 60, t % 60)
            head = ["From: Customer <%s>" % cust, "To: support@desk.example",
                    "Subject: %s" % subject, "Date: %s" % date, "Message-ID: <%s>" % mid]
            if refs:
                head.append("In-Reply-To: <%s>" % refs[-1])
                head.append("References: " + " ".join("<%s>" % x for x in refs))
            if r.random() < 0.1:
                head.append("Cc: colleague%d@client%d.example.com" % (r.randrange(50), r.randrange(400)))
            if r.random() < 0.02:
                head.append("Auto-Submitted: auto-replied")
            if r.random() < 0.05:
                boundary = "b%d" % i
                head += ["MIME-Version: 1.0",
                         'Content-Type: multipart/mixed; boundary="%s"' % boundary]
                body = ("--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n--%s\n"
                        "Content-Type: text/csv; name=\"export-%d.csv\"\n"
                        "Content-Disposition: attachment; filename=\"export-%d.csv\"\n\n"
                        "id,value\n%s\n--%s--\n") % (
                    boundary, body, boundary, i, i,
                    "\n".join("%d,%d" % (k, r.randrange(1000)) for k in range(20)), boundary)
            else:
                head += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
            lines = body.split("\n")
            body = "\n".join((">" + line) if line.lstrip(">").startswith("From ") else line
                             for line in lines)
            f.write("From %s %s\n" % (cust, "Mon Dec  1 00:00:00 2025"))
            f.write("\n".join(head) + "\n\n" + body + "\n\n")


if __name__ == "__main__":
    main()
