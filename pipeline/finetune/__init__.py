"""Fine-tuning data: training sets for LoRA adapters, and the checks that keep them apart
from the test cases they are judged on (see :mod:`pipeline.finetune.dataset`)."""
