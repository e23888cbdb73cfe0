// Review texts and emoji in several languages, shared by the seed and the change simulator.
export const REVIEW_PHRASES = [
  'Great quality, would buy again.',
  'Arrived quickly and well packed.',
  'Not what I expected from the photos.',
  'Sehr gut verarbeitet, schnelle Lieferung.',
  'Größe fällt etwas klein aus.',
  'Très bon produit, je le recommande.',
  'Qualité décevante pour le prix.',
  'Buen producto, llegó rápido.',
  'とても良い商品です。また買いたいです。',
  '质量很好，物流也很快。',
  'Perfect gift — my sister loved it.',
  'Stopped working after two weeks.',
  'Naïve design but it does the job.',
];
export const EMOJI = ['👍', '😍', '⭐', '🔥', '😐', '👎', '🎁', '✨', '🙂', '💯'];
