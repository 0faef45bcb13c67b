# musiclatentvis.mk - MusicLatentVIS's pipeline (Shen, Wang and Shen 2020,
# section 3), which notes/, performers/ and sections/ share: spectrogram
# columns -> the fully connected note autoencoder -> 32-d note latents
# per column -> 10-s segments of every 20th column as 4 steps of 5 x 32
# -> the LSTM segment autoencoder -> a 16-d segment latent per segment.
#
# The including Makefile includes common.mk first, sets SPEC_INPUT (the
# manifest of the audio) and NEED_COLUMNS (the label columns it scores
# against), and may set any variable below before including this file.
# Targets, in $(OUT): spec.mlv (and spec-stats.mlv, the scaling fitted on
# it); per training seed S of SEEDS, in seed-S/: fc.mlv and fc-loss.mlv,
# note-latents.mlv, sequences.mlv, lstm.mlv and lstm-loss.mlv,
# segment-latents.mlv; note-latents.mlv and segment-latents.mlv of the
# first seed in $(OUT) itself (for the maps and pages); NAME-loss.svg for
# the first seed's loss logs; mel.mlv, the plain baseline's log-mel frames.

# The paper's spectrogram: 20 kHz, 1000-point FFT of 500-sample Hann
# windows every 500 samples (0.025 s), log(1 + magnitude).
SPEC_OPTS ?= --sr 20000 --n-fft 1000 --win-length 500 --hop 500 --scale log1p
# The paper scales the spectrogram into [0, 1] with one minimum and one
# maximum over the data set, which keeps loudness (per-file scaling would
# erase it); fitted on spec.mlv, the training stream, and applied
# unchanged to any other stream (spec-NAME.mlv of NAME.tsv).
SPEC_NORM ?= --norm minmax --norm-axis global
# The plain baseline every experiment scores beside the latents: each
# log-mel band's mean and standard deviation over the note or segment.
MEL_OPTS ?= --feature mel --n-mels 64 --scale db
EPOCHS_FC ?= 30
# Columns per step and Adam's rate of the note autoencoder.  The paper's
# 512 suits its 129,600 columns; on a corpus of a few thousand it leaves
# too few steps.  At its 0.001 some seeds collapse at the start (the loss
# sticks near 0.0073, the ReLU latents go constant and the decoder
# outputs the mean spectrum); 0.0003 trained every seed tried (0-3).
# Both are deliberate deviations from the paper: every latent score
# depends on them.
BATCH ?= 64
LR ?= 0.0003
EPOCHS_LSTM ?= 150
# Seconds between segment starts.  The segment itself is the model's:
# 10 s of 0.025-s columns, every 20th kept, 4 steps of 5.
SEGMENT_HOP ?= 10

$(OUT)/spec.mlv $(OUT)/spec-stats.mlv &: $(SPEC_INPUT) $(CONFIG_STAMP) | $(MLV_READY)
	$(call need_columns,$(LABELS),file $(NEED_COLUMNS))
	mlv-spec --list $< $(SPEC_OPTS) $(SPEC_NORM) --fit-stats $(OUT)/spec-stats.mlv \
		$(J) -o $(OUT)/spec.mlv

$(OUT)/spec-%.mlv: $(OUT)/%.tsv $(OUT)/spec-stats.mlv
	mlv-spec --list $< $(SPEC_OPTS) --stats $(OUT)/spec-stats.mlv $(J) -o $@

$(OUT)/mel.mlv: $(SPEC_INPUT) $(CONFIG_STAMP) | $(MLV_READY)
	mlv-spec --list $< $(MEL_OPTS) $(J) -o $@

$(OUT)/seed-%/fc.mlv $(OUT)/seed-%/fc-loss.mlv: $(OUT)/spec.mlv
	mkdir -p $(@D)
	mlv-train --model $(MODELS)/musiclatentvis-fc.yaml --epochs $(EPOCHS_FC) \
		--batch-size $(BATCH) --lr $(LR) --seed $* $(J) \
		--log $(@D)/fc-loss.mlv -o $(@D)/fc.mlv $<

$(OUT)/seed-%/note-latents.mlv: $(OUT)/seed-%/fc.mlv $(OUT)/spec.mlv
	mlv-encode --model $< $(J) -o $@ $(OUT)/spec.mlv

$(OUT)/seed-%/sequences.mlv: $(OUT)/seed-%/note-latents.mlv
	mlv-frame --seconds 10 --hop-seconds $(SEGMENT_HOP) --every 20 \
		--stack --steps 4 -o $@ $<

$(OUT)/seed-%/lstm.mlv $(OUT)/seed-%/lstm-loss.mlv: $(OUT)/seed-%/sequences.mlv
	mlv-train --model $(MODELS)/musiclatentvis-lstm.yaml --epochs $(EPOCHS_LSTM) \
		--seed $* $(J) --log $(@D)/lstm-loss.mlv -o $(@D)/lstm.mlv $<

$(OUT)/seed-%/segment-latents.mlv: $(OUT)/seed-%/lstm.mlv $(OUT)/seed-%/sequences.mlv
	mlv-encode --model $< $(J) -o $@ $(@D)/sequences.mlv

# The first seed's, for the maps, pages and loss plots.
$(OUT)/note-latents.mlv $(OUT)/segment-latents.mlv $(OUT)/fc-loss.mlv $(OUT)/lstm-loss.mlv: \
	$(OUT)/%: $(OUT)/seed-$(SEED1)/%
	ln -sf seed-$(SEED1)/$* $@

$(OUT)/%-loss.svg: $(OUT)/%-loss.mlv
	mlv-plot --kind lines --title "$* autoencoder: loss per epoch (seed $(SEED1))" -o $@ $<
