# musiclatentvis.mk - MusicLatentVIS's pipeline (Shen, Wang and Shen 2020,
# section 3), which notes/, performers/ and sections/ share: spectrogram
# columns -> the fully connected note autoencoder -> 32-d note latents
# per column -> 10-s segments of every 20th column as 4 steps of 5 x 32
# -> the LSTM segment autoencoder -> a 16-d segment latent per segment.
#
# The including Makefile includes common.mk first, sets SPEC_INPUT (the
# manifest of the audio) and NEED_COLUMNS (the label columns it scores
# against), and may set any variable below before including this file.  Targets, in $(OUT): spec.mlv, fc.mlv and fc-loss.mlv,
# note-latents.mlv, sequences.mlv, lstm.mlv and lstm-loss.mlv,
# segment-latents.mlv, and NAME-loss.svg for either loss log.

# The paper's spectrogram: 20 kHz, 1000-point FFT of 500-sample Hann
# windows every 500 samples (0.025 s), log(1 + magnitude).
SPEC_OPTS ?= --sr 20000 --n-fft 1000 --win-length 500 --hop 500 --scale log1p
EPOCHS_FC ?= 30
# Columns per step and Adam's rate of the note autoencoder.  The paper's
# 512 suits its 129,600 columns; on a corpus of a few thousand it leaves
# too few steps.  At its 0.001 some seeds collapse at the start (the loss
# sticks near 0.0073, the ReLU latents go constant and the decoder
# outputs the mean spectrum); 0.0003 trained every seed tried (0-3).
BATCH ?= 64
LR ?= 0.0003
EPOCHS_LSTM ?= 150
# Seconds between segment starts.  The segment itself is the model's:
# 10 s of 0.025-s columns, every 20th kept, 4 steps of 5.
SEGMENT_HOP ?= 10

$(OUT)/spec.mlv: $(SPEC_INPUT) $(CONFIG_STAMP) | $(MLV_READY)
	$(call need_columns,$(LABELS),file $(NEED_COLUMNS))
	mlv-spec --list $< $(SPEC_OPTS) $(J) -o $@

$(OUT)/fc.mlv $(OUT)/fc-loss.mlv &: $(OUT)/spec.mlv
	mlv-train --model $(MODELS)/musiclatentvis-fc.yaml --epochs $(EPOCHS_FC) \
		--batch-size $(BATCH) --lr $(LR) --seed $(SEED) $(J) \
		--log $(OUT)/fc-loss.mlv -o $(OUT)/fc.mlv $<

$(OUT)/note-latents.mlv: $(OUT)/fc.mlv $(OUT)/spec.mlv
	mlv-encode --model $(OUT)/fc.mlv $(J) -o $@ $(OUT)/spec.mlv

$(OUT)/sequences.mlv: $(OUT)/note-latents.mlv
	mlv-frame --seconds 10 --hop-seconds $(SEGMENT_HOP) --every 20 \
		--stack --steps 4 -o $@ $<

$(OUT)/lstm.mlv $(OUT)/lstm-loss.mlv &: $(OUT)/sequences.mlv
	mlv-train --model $(MODELS)/musiclatentvis-lstm.yaml --epochs $(EPOCHS_LSTM) \
		--seed $(SEED) $(J) --log $(OUT)/lstm-loss.mlv -o $(OUT)/lstm.mlv $<

$(OUT)/segment-latents.mlv: $(OUT)/lstm.mlv $(OUT)/sequences.mlv
	mlv-encode --model $(OUT)/lstm.mlv $(J) -o $@ $(OUT)/sequences.mlv

$(OUT)/%-loss.svg: $(OUT)/%-loss.mlv
	mlv-plot --kind lines --title "$* autoencoder: loss per epoch" -o $@ $<
