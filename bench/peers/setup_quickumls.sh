#!/usr/bin/env bash
# Create QuickUMLS's own virtual environment for the peer benchmark (its pins clash with kebiokg's),
# and write NLTK's English stop-word list so QuickUMLS's nltk.download('stopwords') finds it offline.
#
#   bench/peers/setup_quickumls.sh /tmp/peer-quickumls-venv /tmp/nltk_data
#   NLTK_DATA=/tmp/nltk_data /tmp/peer-quickumls-venv/bin/python bench/peers/quickumls_annotate.py ...
#
# Idempotent: an existing venv is reused (pip only checks the pins), the stop-word file is rewritten.
set -euo pipefail
venv=${1:?usage: setup_quickumls.sh VENV_DIR NLTK_DIR}
nltk_dir=${2:?usage: setup_quickumls.sh VENV_DIR NLTK_DIR}

if [[ ! -x "$venv/bin/python" ]]; then
    python3.11 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
fi
# quickumls 1.4.2 pulls spacy, nltk, unidecode, numpy, quickumls-simstring and leveldb (both build from source).
"$venv/bin/pip" install -q "quickumls==1.4.2"

# NLTK's standard English stop-word list (179 words), one per line, where nltk.data finds it.
mkdir -p "$nltk_dir/corpora/stopwords"
cat > "$nltk_dir/corpora/stopwords/english" <<'EOF'
i
me
my
myself
we
our
ours
ourselves
you
you're
you've
you'll
you'd
your
yours
yourself
yourselves
he
him
his
himself
she
she's
her
hers
herself
it
it's
its
itself
they
them
their
theirs
themselves
what
which
who
whom
this
that
that'll
these
those
am
is
are
was
were
be
been
being
have
has
had
having
do
does
did
doing
a
an
the
and
but
if
or
because
as
until
while
of
at
by
for
with
about
against
between
into
through
during
before
after
above
below
to
from
up
down
in
out
on
off
over
under
again
further
then
once
here
there
when
where
why
how
all
any
both
each
few
more
most
other
some
such
no
nor
not
only
own
same
so
than
too
very
s
t
can
will
just
don
don't
should
should've
now
d
ll
m
o
re
ve
y
ain
aren
aren't
couldn
couldn't
didn
didn't
doesn
doesn't
hadn
hadn't
hasn
hasn't
haven
haven't
isn
isn't
ma
mightn
mightn't
mustn
mustn't
needn
needn't
shan
shan't
shouldn
shouldn't
wasn
wasn't
weren
weren't
won
won't
wouldn
wouldn't
EOF
count=$(wc -l < "$nltk_dir/corpora/stopwords/english")
[[ "$count" -eq 179 ]] || { echo "expected 179 stop words, wrote $count" >&2; exit 1; }
echo "QuickUMLS venv: $venv; NLTK_DATA=$nltk_dir ($count English stop words)"
