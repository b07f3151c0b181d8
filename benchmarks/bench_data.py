"""Time to load each shipped corpus (scan + digests), to read all its texts back, and to fingerprint it."""
import statistics, time, warnings

from ulmfit_nb.data import DataWarning, bbc_news, fine_food_reviews, sotu_speeches

def _time(f, repeats):
    "Median seconds of `repeats` calls of `f`, and its last result."
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); res = f(); times.append(time.perf_counter() - t)
    return statistics.median(times), res

def run(quick=False):
    repeats, rows = (1 if quick else 5), []
    warnings.simplefilter('ignore', DataWarning)  # bbc_news reports its one Latin-1 file each time
    for loader in (sotu_speeches, bbc_news, fine_food_reviews):
        load_s, corpus = _time(loader, repeats)
        read_s, chars = _time(lambda: sum(len(t) for t in corpus.texts), repeats)
        # from the digests the reader kept: no text is read again
        fp_s, _ = _time(lambda: (setattr(corpus, '_fingerprint', None), corpus.fingerprint), repeats)
        rows.append(dict(corpus=corpus.name, docs=len(corpus), mchars=chars / 1e6, load_s=load_s,
                         read_all_s=read_s, fingerprint_s=fp_s, mchars_per_s=chars / 1e6 / read_s))
    return rows
