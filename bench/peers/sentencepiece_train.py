# Peer for `npm run bench -- tokenizer`: train a sentencepiece BPE model (Debian python3-sentencepiece) on
# the same corpus file and print {"ms": wall time of the training call, "rss_kb": peak RSS, "threads": n}.
# Usage: /usr/bin/python3 bench/peers/sentencepiece_train.py CORPUS.txt VOCAB_SIZE THREADS
import json, os, resource, sys, tempfile, time

import sentencepiece as spm

corpus, vocab, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with tempfile.TemporaryDirectory() as d:
    t0 = time.perf_counter()
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=os.path.join(d, "m"), vocab_size=vocab, model_type="bpe",
        character_coverage=1.0, num_threads=threads, minloglevel=2, max_sentence_length=1 << 20,
    )
    ms = (time.perf_counter() - t0) * 1000
print(json.dumps({"ms": ms, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "threads": threads}))
