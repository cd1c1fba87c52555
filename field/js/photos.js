// Photos are made small on the phone before they are queued: long side 1600 px, JPEG. Drawing through a
// canvas also leaves the file's metadata (EXIF, GPS) behind; the server strips it again in any case.
export const LONG_SIDE = 1600;
const QUALITY = 0.85;

async function decode(file) {
  if ("createImageBitmap" in window) {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (err) {
      // some browsers decode only through an <img>: fall through
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** One picked or taken photo as {name, blob, width, height}, at most LONG_SIDE px on its long side. */
export async function downscale(file) {
  let image;
  try {
    image = await decode(file);
  } catch (err) {
    throw new Error(`${file.name}: 사진으로 읽을 수 없습니다 (JPEG·PNG·WebP 사진을 고르세요).`);
  }
  const width = image.width || image.naturalWidth;
  const height = image.height || image.naturalHeight;
  const scale = Math.min(1, LONG_SIDE / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
  if (image.close) image.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  if (!blob) throw new Error(`${file.name}: 사진을 줄이지 못했습니다.`);
  const name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
  return { name, blob, width: canvas.width, height: canvas.height };
}
