"""A reproducible synthetic 12345 history for training and evaluating the routing model.

An offline tool, not part of the runtime: the node reads the committed output
(onestop/hotline/data/history.jsonl, via `onestop.hotline.routing.history_examples`) and never
imports this file. Re-run it only to change the data set, then commit the file it writes.

No real work orders are public, so this writes plausible ones: per-category problem sentences
(with slots for places, times, numbers and shops), wrapped in different registers of the way
people talk to the hotline (angry complaint, polite question, elderly caller, run-on sentence,
report, suggestion, praise), sometimes with typos, about a tenth in English. The category
keywords from data/seed/hotline.json are mixed in now and then, never used alone.

Every place name below (townships, streets, compounds, villages, roads, shops) is INVENTED for
this synthetic data set; none refers to a real place in Wulian (371121) or Ganyu (320707).

Each line: {"text", "category", "kind", "region", "type"}; `kind` is the department kind that
handled the request: usually the category's default kind, about 8 % a plausible alternative
(a township office, a neighbouring bureau), as happens when work orders are re-dispatched.

    .venv/bin/python tools/hotline_synth.py --out onestop/hotline/data/history.jsonl --n 2000
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

SEED = 12345
# Who handled it. Some problem sentences name a matter that another department usually takes
# (straw burning -> agriculture, not ecology): ALT_PRONE maps category -> (index of that
# sentence in ZH, the kind). On top, a little random re-dispatch anywhere (ALT_KINDS).
# Together about 8 % of the lines.
ALT_PRONE_RATE = 0.8
ALT_KIND_RATE = 0.02
ALT_PRONE: dict[str, tuple[int, str]] = {
    "urban-rural-construction.housing-delivery": (2, "natural-resources-planning"),
    "urban-rural-construction.construction-site": (1, "ecology-environment"),
    "urban-management.street-vending": (2, "township"),
    "urban-management.illegal-construction": (2, "township"),
    "urban-management.municipal-facilities": (3, "housing-urban-rural-development"),
    "urban-management.cooking-fumes": (2, "ecology-environment"),
    "market.special-equipment": (3, "emergency-management"),
    "labor.wage-arrears": (2, "housing-urban-rural-development"),
    "education.school-management": (2, "market-regulation"),
    "transport.taxi-ride-hailing": (3, "public-security"),
    "ecology.air-pollution": (2, "agriculture-rural-affairs"),
    "ecology.water-pollution": (2, "agriculture-rural-affairs"),
    "ecology.noise": (2, "comprehensive-law-enforcement"),
    "ecology.river-lake": (1, "township"),
    "agriculture.land-contract": (4, "natural-resources-planning"),
    "agriculture.agri-inputs": (1, "market-regulation"),
    "agriculture.village-affairs": (2, "agriculture-rural-affairs"),
    "natural-resources.illegal-land-use": (3, "agriculture-rural-affairs"),
    "public-security.public-order": (2, "comprehensive-law-enforcement"),
    "emergency.safety-hazards": (2, "fire-rescue"),
    "emergency.fire-safety": (1, "township"),
    "emergency.disaster-relief": (4, "civil-affairs"),
    "legal.dispute-mediation": (3, "justice"),
    "government-services.tax-services": (3, "human-resources-social-security"),
}
ENGLISH_RATE = 0.10
SEED_FILE = Path(__file__).resolve().parents[1] / "data" / "seed" / "hotline.json"

# --- invented places (synthetic) -------------------------------------------------------------
PLACES: dict[str, dict[str, list[str]]] = {
    "371121": {  # Wulian — synthetic names
        "town": [
            "莲湖街道",
            "青岚镇",
            "石门镇",
            "松岭镇",
            "白鹭街道",
            "汪家湖镇",
            "九仙湾镇",
            "北岗乡",
        ],
        "compound": [
            "莲城花园",
            "翠湖名苑",
            "锦绣华庭",
            "山水嘉园",
            "金岭小区",
            "阳光新城",
            "福泰家园",
        ],
        "village": ["东石沟村", "后杨庄村", "南岭村", "柳树湾村", "大槐树村", "西泉村", "上河村"],
        "road": ["莲城路", "青岚大道", "文昌街", "环山路", "人民东路", "富民街", "松岭北路"],
        "landmark": ["县医院门口", "汽车站", "实验小学", "人民广场", "农贸市场", "体育公园"],
    },
    "320707": {  # Ganyu — synthetic names
        "town": [
            "海韵街道",
            "青浦湾镇",
            "沙河口镇",
            "柘塘镇",
            "金滩街道",
            "望海镇",
            "墩尚湾镇",
            "龙河乡",
        ],
        "compound": [
            "海景湾小区",
            "御海名都",
            "滨河花园",
            "金港新村",
            "云台嘉苑",
            "海州雅苑",
            "丰泽园",
        ],
        "village": ["小海头村", "前墩村", "芦苇荡村", "朱堰村", "盐河村", "吴庄村", "北沙村"],
        "road": ["海滨大道", "青口路", "黄海西路", "金港路", "沿河街", "港城路", "渔湾路"],
        "landmark": ["区人民医院", "客运站", "海滨公园", "高铁站", "第一中学", "水产市场"],
    },
}
EN_PLACES = {
    "371121": [
        "Lianhu Street",
        "Qinglan Town",
        "Shimen Town",
        "Songling Road",
        "Lian Cheng Garden",
    ],
    "320707": ["Haiyun Street", "Qingpu Bay Town", "Binhe Garden", "Jingang Road", "Shahekou Town"],
}
SHOPS = ["好再来饭店", "鑫源超市", "老王烧烤", "佳美理发店", "红星建材", "康宁大药房", "美滋滋快餐"]
TIMES = ["昨天晚上", "今天早上", "这几天", "上周", "半个月了", "三天前", "前天下午", "一个多月了"]
CLOCK = ["晚上十一点", "凌晨两点", "早上五点多", "晚上10点半", "中午12点", "夜里1点"]

# --- per-category problem sentences --------------------------------------------------------
# Slots: {compound} {village} {road} {town} {landmark} {shop} {time} {clock} {num} {money}
ZH: dict[str, list[str]] = {
    "urban-rural-construction.property-management": [
        "{compound}的物业根本不管事，楼道里垃圾堆了{num}天没人收拾",
        "物业费一年涨了好几百，服务一点没变好，业主想换物业不让换",
        "小区门禁坏了{time}了，外人随便进，物业说没钱修",
        "我们小区想成立业主委员会，街道和物业都推来推去",
        "小区里车位乱划，物业把公共绿地改成停车位收费",
        "电梯间灯坏了物业也不修，交了物业费啥都不干",
    ],
    "urban-rural-construction.housing-delivery": [
        "买的{compound}的房子合同上写的去年交房，到现在还没交",
        "新房刚收房墙体就开裂了，卫生间还漏水，开发商不给修",
        "房子交付{num}年了开发商一直不给办房产证",
        "开发商说网签备案办不了，首付都交了，钱是不是被挪用了",
        "楼盘停工了，预售资金去哪了，我们买房的怎么办",
    ],
    "urban-rural-construction.housing-security": [
        "想问一下公租房怎么申请，家里三口人没房子住",
        "保障房申请交上去{time}了，一直没有结果",
        "我是引进的人才，人才公寓还有没有房源",
        "我们{compound}是老旧小区，什么时候能改造，管道都锈了",
        "租赁补贴今年怎么还没发",
    ],
    "urban-rural-construction.construction-site": [
        "{road}那个工地天天夜间施工，{clock}还在打桩，根本睡不着",
        "工地扬尘太大了，旁边的车上全是灰，也不洒水",
        "渣土车一路撒漏，{road}上全是泥",
        "工地围挡倒了一大片，小孩放学从那过很危险",
        "施工噪音太吵，中午也不停，家里老人心脏不好",
    ],
    "urban-rural-construction.provident-fund": [
        "公积金提取要什么手续，我想用来还房贷",
        "单位一直没给我们交公积金，这个合法吗",
        "公积金贷款审批多长时间，等了{num}个星期了",
        "换了工作公积金怎么转移，从外地转回来",
        "我要出国定居，公积金销户怎么办",
    ],
    "urban-management.street-vending": [
        "{road}上流动摊贩太多了，人行道都被占满了，走都走不了",
        "{shop}天天出店经营，把桌子摆到马路上",
        "{landmark}那边晚上夜市摆摊，堵路还乱扔垃圾",
        "早市占道经营，车根本过不去",
        "卖水果的三轮车停在路口卖，城管来了就跑",
    ],
    "urban-management.illegal-construction": [
        "我家楼上在楼顶加盖了一层，这是违建吧",
        "{compound}一楼的住户私自圈占了公共绿地，还搭了阳光房",
        "{village}有人私搭乱建，把路都占了一半",
        "邻居在院子里盖违章建筑，挡住我家采光",
        "举报了违建{time}了，一直不拆",
    ],
    "urban-management.city-appearance": [
        "{road}的垃圾桶满溢了也没人清运，臭气熏天",
        "楼道里贴满了小广告，开锁办证的，到处乱贴乱画",
        "{landmark}旁边的公厕脏得没法进",
        "路边有人乱堆乱放建筑垃圾，{time}了都没人管",
        "街上的门头招牌掉下来半块，怕砸着人",
    ],
    "urban-management.municipal-facilities": [
        "{road}上的井盖没了，晚上看不见，刚才差点有人掉下去",
        "{compound}门口的路灯不亮{time}了，晚上黑漆漆的",
        "下水道堵塞，污水往外冒，{road}一下雨就积水",
        "人行道破损得厉害，老人摔倒了好几个",
        "绿化带里的树木倒伏了，压在路上",
    ],
    "urban-management.cooking-fumes": [
        "楼下{shop}油烟扰民，排烟管道直接对着我家窗户",
        "{road}晚上露天烧烤，烟熏火燎的，窗户都不敢开",
        "饭店没装油烟净化器，整栋楼都是饭店异味",
        "小区底商开了个饭馆，油烟顺着楼往上飘",
    ],
    "market.food-safety": [
        "在{shop}买的面包是过期食品，吃完拉肚子",
        "在饭店吃饭吃出异物，一根头发还有个虫子",
        "{village}有个小作坊做豆腐，卫生条件太差，没有证",
        "药店卖假药，吃了一点用没有",
        "{landmark}旁边的早餐店无证经营，卫生很差",
    ],
    "market.consumer-rights": [
        "在{shop}办了预付卡充了{money}块，现在老板跑路了",
        "网购的东西有质量问题，商家不给退款",
        "健身房办卡跑路了，几十个人的钱都要不回来",
        "买的电视坏了，售后服务一直推，说过保了",
        "菜市场缺斤短两，买一斤称出来只有八两",
        "商家虚假宣传，说是纯羊毛结果是化纤的",
    ],
    "market.price-charges": [
        "{landmark}停车收费太乱了，一小时收{num}块",
        "{shop}不明码标价，结账的时候乱收费",
        "过年期间蔬菜哄抬价格，一斤涨了好几倍",
        "这个收费标准是哪里定的，有没有文件",
        "景区附近饭店价格欺诈，一盘虾要了{money}",
    ],
    "market.special-equipment": [
        "{compound}{num}号楼电梯困人了，里面有老人，快来人",
        "电梯故障三天两头停，年检标志都过期了",
        "电梯运行的时候异响，晃得厉害，坐着害怕",
        "{road}有家饭店在用的液化气瓶都是过期的",
        "游乐场的游乐设施看着很旧，有没有检验",
    ],
    "labor.wage-arrears": [
        "我在{town}的工地干了{num}个月，包工头拖欠工资不给",
        "我们十几个农民工讨薪讨了半年，老板不见人",
        "工程款没结所以工资发不了，这话说了一年了",
        "公司欠薪{money}元，说等年底，年底了又推",
        "年底了还欠我们工资，孩子学费都交不上",
    ],
    "labor.labor-relations": [
        "公司不签劳动合同，也不给交社保",
        "天天加班到{clock}，一分钱加班费都没有",
        "我被公司无故辞退了，经济补偿怎么算",
        "在厂里干活受伤了，单位不给做工伤认定",
        "怎么申请劳动仲裁，需要什么材料",
    ],
    "labor.employment-services": [
        "我刚毕业，想问问县里有没有招聘会",
        "失业了怎么做失业登记，失业保险金能领多久",
        "有没有免费的技能培训，想学个电焊",
        "想自己创业，创业担保贷款怎么申请",
        "公益性岗位还招人吗，我家里有困难",
        "就业补贴申请了{time}了还没到账",
    ],
    "social-security.pension": [
        "我今年六十了，退休办理需要什么手续",
        "养老保险缴费年限不够十五年怎么办",
        "我的养老金这个月少发了{money}块，咋回事",
        "社保从外省转移回来，养老保险怎么接续",
        "城乡居民养老保险一年交多少，能不能补交",
        "领取资格认证在手机上怎么做",
    ],
    "social-security.card": [
        "社保卡丢了，补卡要去哪办",
        "社保卡过期了换卡需要多长时间",
        "电子社保卡怎么申领，在手机上弄不好",
        "新办的社保卡怎么激活，去银行说不行",
        "我老伴的社保卡要挂失，她本人来不了",
    ],
    "medical-security.reimbursement": [
        "在外地住院花了{money}，异地就医怎么报销",
        "门诊慢特病怎么申请，高血压能不能办",
        "医保报销比例是多少，为什么我只报了一点",
        "发现有诊所骗保，拿别人的卡刷药",
        "大病保险二次报销什么时候能到",
    ],
    "medical-security.enrollment": [
        "城乡居民医保今年的缴费截止到什么时候",
        "孩子刚出生，新生儿参保怎么办",
        "医保断缴了{num}个月，现在补交还能报销吗",
        "医保电子凭证怎么激活",
        "在外地上班医保转移回来需要什么",
    ],
    "health.medical-services": [
        "在县医院看病，医生态度很差，问两句就不耐烦",
        "{town}卫生院过度检查，感冒拍了CT",
        "挂号太难了，早上{clock}去排队都挂不上",
        "住院期间出了医疗纠纷，医院不承认",
        "{village}的村卫生室经常没人，看病要跑很远",
    ],
    "health.public-health": [
        "孩子打预防接种要去哪里，需要预约吗",
        "出生医学证明名字写错了怎么改",
        "生育登记在网上怎么办",
        "办健康证要去哪体检，多少钱",
        "育儿补贴怎么申请，三岁以下都有吗",
        "小区里老鼠蟑螂太多，病媒防制谁管",
    ],
    "education.enrollment": [
        "孩子明年上一年级，入学报名需要什么材料",
        "我们{compound}划到哪个学区了，怎么查",
        "随迁子女在这上学要什么条件",
        "幼儿园入园报名什么时候开始",
        "孩子要转学到{town}的学校，学籍怎么转",
    ],
    "education.school-management": [
        "学校乱收费，开学要交{money}的资料费",
        "老师在外面有偿补课，不去上课就针对孩子",
        "学校食堂的饭菜太差了，孩子吃了肚子疼",
        "校车超载，一辆车坐了{num}个孩子",
        "学生资助名额怎么评的，不公开",
    ],
    "education.off-campus-training": [
        "给孩子报的培训机构关门了，培训退费找不到人",
        "{road}有个托管班没有证，无证办学",
        "周末还在偷偷搞学科类培训",
        "校外培训机构收了一年的费，才上了几节课",
    ],
    "transport.taxi-ride-hailing": [
        "出租车司机拒载，说太近不去",
        "打的网约车绕路，多收了我{num}块钱",
        "{landmark}的出租车不打表，张口就要五十",
        "汽车站门口好多黑车拉客，非法营运",
        "网约车司机态度恶劣，还把我行李扔下",
    ],
    "transport.bus": [
        "{num}路公交车班次太少了，等了一个小时",
        "城乡公交到{village}的末班车太早，下班赶不上",
        "公交司机态度差，老人还没坐稳就开车",
        "建议在{landmark}增设一个公交站点",
        "公交卡充值在哪里充，老年卡怎么办",
    ],
    "transport.road-maintenance": [
        "到{village}的农村公路路面坑洼，全是大坑",
        "国道边的护栏撞坏了{time}没人修",
        "省道上的标志标线都看不清了，晚上容易出事",
        "{village}那座桥裂了缝，大车还在过",
        "公路上一下雨就道路积水，车都熄火了",
    ],
    "ecology.air-pollution": [
        "{town}有个厂子天天排废气，味道刺鼻",
        "锅炉冒黑烟，对面楼全是烟尘",
        "村里有人秸秆焚烧，浓烟呛得喘不过气",
        "石材加工厂粉尘太大，庄稼上全是白灰",
        "有人在{village}焚烧垃圾，塑料味很大",
    ],
    "ecology.water-pollution": [
        "{village}旁边的厂子污水直排到河里，河水都黑了",
        "有人夜里偷倒危险废物，桶上都是化学品标志",
        "养殖场的粪水直接往沟里排，臭得不行",
        "河道污染严重，鱼都死了",
        "这片地被土壤污染了，种的菜都不敢吃",
    ],
    "ecology.noise": [
        "{town}工业园的工厂噪音太大，{clock}机器还在轰鸣",
        "隔壁厂子夜间生产，风机噪声吵得睡不着",
        "楼下商户的空调外机噪音特别大",
        "车间的设备噪音震得窗户都响",
    ],
    "ecology.river-lake": [
        "{village}后面的河道里有人非法采砂",
        "河道垃圾没人清理，堆得满满的",
        "有人侵占河道盖房子",
        "水库边上的塘坝漏水了，怕出事",
        "河道淤积严重，一下雨就漫出来，什么时候清淤",
    ],
    "utilities.power": [
        "{compound}又停电了，也没通知，冰箱里的东西都坏了",
        "家里电压不稳，灯一闪一闪的，电器烧坏了两个",
        "总是跳闸，是不是线路老化了",
        "电费怎么突然这么高，是不是电表有问题",
        "{village}路边的电线杆歪了，电线快掉下来了",
        "新开的店用电报装要多久",
    ],
    "utilities.water": [
        "{compound}停水了，{time}就没水，也没有通知",
        "水压低得厉害，{num}楼以上都上不去水",
        "自来水水质浑浊，放出来是黄的",
        "{road}上管道漏水，水哗哗往外冒",
        "这个月水费{money}块，水表是不是坏了",
    ],
    "utilities.rural-water": [
        "我们{village}的农村自来水又停了，一天只供两个小时",
        "村里停水{num}天了，吃水都成问题",
        "村内管网老化，自来水水质发黄",
        "村里供水时间不固定，老人接不上水",
        "担心饮水安全，井水有怪味",
    ],
    "utilities.gas": [
        "楼道里一股燃气味，怀疑燃气泄漏，快来看看",
        "{compound}停气了，做不了饭",
        "燃气报装需要交多少钱，多久能通",
        "燃气表走得特别快，燃气费比以前高了一倍",
        "上门做燃气安全检查的是不是真的，要收钱",
    ],
    "utilities.heating": [
        "家里暖气不热，室温才{num}度，老人孩子都冻感冒了",
        "{compound}停暖了，也没说什么时候恢复",
        "供暖费怎么交，今年涨价了吗",
        "暖气漏水，把楼下都淹了",
        "集中供热室温不达标，交了钱不给热",
    ],
    "utilities.telecom": [
        "家里宽带故障{time}了，报修也没人来",
        "{village}手机信号差，打电话都断",
        "网速慢得要命，交的是千兆套餐",
        "套餐资费乱扣钱，没开通的业务也收费",
        "想销户，营业厅一直推说办不了",
    ],
    "agriculture.land-contract": [
        "我家的承包地被村里调整给别人了，没跟我说",
        "土地流转的承包费{time}没给了",
        "土地确权的时候把我家的地少算了{num}亩",
        "和邻居有土地纠纷，地界说不清",
        "宅基地的事情村里一直不给解决",
    ],
    "agriculture.agri-inputs": [
        "买的假种子出苗率低，{num}亩地全毁了",
        "化肥是假的，撒了一点用没有",
        "在{town}买的农药打了以后庄稼都死了",
        "兽药店卖的药没效果，猪都死了好几头",
    ],
    "agriculture.farm-subsidies": [
        "今年的耕地地力保护补贴怎么还没发",
        "买了台收割机，农机补贴怎么申请",
        "种粮补贴发的钱跟面积对不上",
        "农业保险受灾了怎么理赔",
        "惠农补贴卡上的钱被村里扣了",
    ],
    "agriculture.village-affairs": [
        "{village}村务公开一直不公开，财务账目看不到",
        "村干部把集体资产私自卖了",
        "征地补偿分配不公平，村干部亲戚多拿",
        "村委选举有人拉票贿选",
        "村里集体收入去哪了，从来不公布",
    ],
    "natural-resources.illegal-land-use": [
        "{village}有人乱占耕地盖厂房",
        "山上有人私挖乱采，炸山采石",
        "有人非法采矿，晚上拉矿石的车很多",
        "基本农田被挖成鱼塘了，耕地保护谁管",
    ],
    "natural-resources.real-estate-registration": [
        "二手房过户需要哪些材料",
        "不动产证办了{time}了还没拿到，登记进度怎么查",
        "抵押登记在哪里办，银行让我们自己去",
        "房产证上名字错了怎么改",
        "老房子没有产权证能不能补办",
    ],
    "natural-resources.forestry": [
        "{village}后山有人乱砍滥伐，一车一车往外拉",
        "松树都死了一大片，是不是松材线虫",
        "村里那棵古树名木被人砍了枝子",
        "自家种的树要采伐许可吗",
        "有人在林地里烧荒，毁林开荒",
    ],
    "civil-affairs.social-assistance": [
        "家里困难，想申请低保，要什么条件",
        "低保申请交上去{num}个月了，一直没评上",
        "我们村低保评定不公平，有车有房的都吃低保",
        "家里突然出了车祸，能申请临时救助吗",
        "特困供养的救助金这个月没发",
    ],
    "civil-affairs.elderly-care": [
        "我父亲八十多了，高龄津贴怎么领",
        "{town}的敬老院条件太差，老人吃不饱",
        "社区有没有老年食堂，老人自己做饭不方便",
        "家里有失能老人，居家养老服务怎么申请",
        "养老院收费太高，还乱加钱",
    ],
    "civil-affairs.marriage-funeral": [
        "结婚证丢了，补办结婚证要去哪",
        "离婚登记需要预约吗",
        "{village}有人散埋乱葬，埋在耕地里",
        "火化费用是多少，有没有补贴",
        "公墓价格太贵了，一个墓位要{money}",
    ],
    "civil-affairs.disability-services": [
        "残疾证怎么办理，要去哪做残疾评定",
        "两项补贴是什么，我家孩子有残疾能不能领",
        "护理补贴这个月没到账",
        "残疾儿童康复有没有补助",
        "想申请辅助器具，轮椅坏了",
        "政务大厅没有无障碍通道，坐轮椅进不去",
    ],
    "civil-affairs.veterans-services": [
        "我是退役军人，优待证怎么申请",
        "退伍回来安置工作的政策是什么",
        "伤残抚恤金今年调整了没有",
        "我们家是军属，光荣牌还没挂",
        "优抚对象的待遇怎么一直没发",
    ],
    "public-security.household-registration": [
        "孩子的户口迁移要什么手续",
        "身份证丢了，在哪补办，能加急吗",
        "出生登记落户需要带什么",
        "居住证怎么办理，我在这边上班{num}年了",
        "户口本上名字写错了，去派出所说改不了",
        "开户籍证明要本人去吗",
    ],
    "public-security.traffic-management": [
        "{road}乱停车太严重，把消防通道都堵了",
        "{landmark}路口的红绿灯坏了，车乱成一团",
        "电动车闯红灯太多，建议加强管理",
        "驾驶证到期换证在哪办",
        "上下班{road}交通拥堵，信号灯时间太短",
        "{compound}门口天天违停，出不去",
    ],
    "public-security.public-order": [
        "{compound}广场舞音响太大，晚上{clock}还在跳",
        "楼上邻居养的狗整夜叫，宠物扰民",
        "卖东西的高音喇叭一直循环喊，吵死了",
        "{road}有个棋牌室，里面好像在赌博",
        "KTV娱乐场所噪声太大，半夜还唱",
    ],
    "emergency.safety-hazards": [
        "{village}有人在家里非法储存危险化学品",
        "路边有个非法加油点，拿桶卖油，太危险了",
        "饭店后门堆了一排液化气罐，没人看管",
        "有人私下卖烟花爆竹，放在居民楼里",
        "矿山边上的石头随时要滚下来，安全隐患很大",
    ],
    "emergency.fire-safety": [
        "{compound}消防通道堵塞，都是私家车",
        "有人从楼上飞线充电，电动车放在楼道里充",
        "小区的灭火器都是空的，消防设施损坏没人管",
        "{road}那个仓库违规住人，一把火就完了",
        "商场安全出口锁着，有火灾隐患",
    ],
    "emergency.disaster-relief": [
        "昨天下冰雹把大棚都砸坏了，受灾救助怎么申请",
        "{village}后山有山体滑坡的迹象，裂缝越来越大",
        "台风要来了，应急避难场所在哪",
        "防汛期间村里的排水沟都堵了",
        "家里房子被自然灾害冲毁了，有补助吗",
    ],
    "culture-tourism.tourism-culture": [
        "跟旅行社出去玩，导游强制购物",
        "景区门票说好的半价，到了不认",
        "景区服务太差，厕所排队一小时",
        "{road}的网吧让未成年人上网",
        "文化馆的免费培训班怎么报名",
        "旅游投诉找哪个部门",
    ],
    "legal.legal-aid": [
        "我没钱请律师，能不能申请法律援助",
        "想做个法律咨询，哪里有免费的",
        "公证要去哪里办，遗嘱能公证吗",
        "公共法律服务中心在什么地方",
        "我儿子在社区矫正，每周都要去报到吗",
    ],
    "legal.dispute-mediation": [
        "和邻居因为排水的事吵起来了，想找人调解",
        "{village}两家因为宅基地纠纷快打起来了",
        "邻居把路堵了，我家车出不去，通行纠纷",
        "家里兄弟为了老人赡养闹矛盾，想请人民调解",
        "邻里纠纷找谁调解，村里不管",
    ],
    "government-services.service-consultation": [
        "营业执照变更需要什么材料，在哪里办",
        "政务服务中心办公时间是几点到几点",
        "新生儿出生一件事网上办理怎么弄",
        "办事流程太复杂了，想问问具体步骤",
        "在手机上能不能网上办理，不想跑腿",
    ],
    "government-services.approval-services": [
        "营业许可证申请了{num}天了，审批进度查不到",
        "企业开办在网上提交了，一直显示审核中",
        "企业注销的手续怎么办，太麻烦了",
        "审批不通过也不说原因",
        "办件超时了，承诺5个工作日，现在都一个月",
    ],
    "government-services.work-conduct": [
        "去政务大厅办事，窗口工作人员服务态度太差",
        "一件事让我多次跑，跑了{num}趟还没办成",
        "几个部门推诿扯皮，谁都不管",
        "工作人员上班时间玩手机，不作为",
        "办事难，办不成事也不说为什么",
    ],
    "government-services.business-environment": [
        "政府拖欠企业账款{money}，一直不给结",
        "惠企政策说好的奖励，政策兑现不了",
        "涉企收费太多，检查一个收一次钱",
        "公司被列入失信，信用修复怎么办",
        "项目落地审批太慢，营商环境太差了",
    ],
    "government-services.tax-services": [
        "发票开错了怎么红冲",
        "个税年度汇算退税什么时候到账",
        "电子税务局登不上去，纳税申报要过期了",
        "灵活就业的社保费缴纳在哪交",
        "新开的店税务登记要去大厅吗",
    ],
}

EN: dict[str, list[str]] = {
    "urban-rural-construction.property-management": [
        "the property management company in {compound} ignores every repair request"
    ],
    "urban-rural-construction.housing-delivery": [
        "the developer is two years late handing over my flat and the walls are cracked"
    ],
    "urban-rural-construction.housing-security": ["how do I apply for public rental housing"],
    "urban-rural-construction.construction-site": [
        "the construction site on {road} works all night and the noise keeps us awake"
    ],
    "urban-rural-construction.provident-fund": [
        "how can I withdraw my housing provident fund to repay my mortgage"
    ],
    "urban-management.street-vending": ["street vendors block the whole pavement on {road}"],
    "urban-management.illegal-construction": [
        "my neighbour built an illegal extension on the roof"
    ],
    "urban-management.city-appearance": [
        "the rubbish bins near {road} are overflowing and nobody collects them"
    ],
    "urban-management.municipal-facilities": [
        "a manhole cover is missing on {road} and the street lights are broken"
    ],
    "urban-management.cooking-fumes": [
        "the restaurant downstairs blows cooking fumes straight into our windows"
    ],
    "market.food-safety": ["I bought expired food at a supermarket and got sick"],
    "market.consumer-rights": [
        "the gym closed and ran away with our prepaid membership cards, no refund"
    ],
    "market.price-charges": ["the parking fee here is far above the posted price"],
    "market.special-equipment": ["people are trapped in the lift of building {num}, please hurry"],
    "labor.wage-arrears": ["my boss has not paid our wages for {num} months"],
    "labor.labor-relations": ["my employer fired me without compensation and no contract"],
    "labor.employment-services": ["are there free job training courses or job fairs"],
    "social-security.pension": ["how do I apply for retirement and my pension"],
    "social-security.card": ["I lost my social security card, where can I replace it"],
    "medical-security.reimbursement": [
        "how do I get medical insurance reimbursement for a hospital stay in another city"
    ],
    "medical-security.enrollment": ["how do I enrol my newborn baby in medical insurance"],
    "health.medical-services": ["the doctor at the county hospital was rude and overcharged us"],
    "health.public-health": ["where can my child get vaccinated"],
    "education.enrollment": ["what documents are needed to enrol my child in primary school"],
    "education.school-management": ["the school charges extra fees for books without a receipt"],
    "education.off-campus-training": [
        "the tutoring centre closed and will not refund our course fees"
    ],
    "transport.taxi-ride-hailing": ["the taxi driver refused to use the meter and overcharged me"],
    "transport.bus": ["bus route {num} comes only once an hour, please add more buses"],
    "transport.road-maintenance": ["the rural road to {village} is full of potholes"],
    "ecology.air-pollution": ["a factory is releasing black smoke and a bad smell"],
    "ecology.water-pollution": ["a factory is dumping sewage into the river"],
    "ecology.noise": ["factory machines run all night and the noise is unbearable"],
    "ecology.river-lake": ["someone is illegally dredging sand from the river"],
    "utilities.power": ["power outage in our building since this morning, no notice"],
    "utilities.water": ["no running water in {compound} since yesterday"],
    "utilities.rural-water": ["our village has had no tap water for {num} days"],
    "utilities.gas": ["I smell gas in the stairwell, maybe a gas leak"],
    "utilities.heating": ["the radiators are cold and the heating is not working"],
    "utilities.telecom": ["my broadband has been down for days and the mobile signal is bad"],
    "agriculture.land-contract": [
        "the village reassigned my contracted farmland without telling me"
    ],
    "agriculture.agri-inputs": ["the seeds I bought were fake and nothing came up"],
    "agriculture.farm-subsidies": ["the farmland subsidy has not been paid this year"],
    "agriculture.village-affairs": ["the village committee never publishes its accounts"],
    "natural-resources.illegal-land-use": ["someone is building a factory on farmland illegally"],
    "natural-resources.real-estate-registration": [
        "how long does the property title transfer take"
    ],
    "natural-resources.forestry": ["people are cutting down trees illegally on the hill"],
    "civil-affairs.social-assistance": ["my family is poor, how do we apply for dibao"],
    "civil-affairs.elderly-care": ["how can my elderly father get the old-age allowance"],
    "civil-affairs.marriage-funeral": ["I lost my marriage certificate, how do I get a new one"],
    "civil-affairs.disability-services": ["how do I apply for a disability certificate"],
    "civil-affairs.veterans-services": ["I am a veteran, how do I get the preferential card"],
    "public-security.household-registration": [
        "I lost my ID card and need to move my hukou, what do I do"
    ],
    "public-security.traffic-management": [
        "cars are parked illegally everywhere on {road} and the traffic light is broken"
    ],
    "public-security.public-order": ["square dancing music is too loud every night in {compound}"],
    "emergency.safety-hazards": ["someone stores dangerous chemicals in a house in the village"],
    "emergency.fire-safety": ["the fire escape is blocked and e-bikes are charged in the hallway"],
    "emergency.disaster-relief": ["hail destroyed our greenhouses, is there disaster relief"],
    "culture-tourism.tourism-culture": ["the tour guide forced us to go shopping"],
    "legal.legal-aid": ["I cannot afford a lawyer, can I get legal aid"],
    "legal.dispute-mediation": ["we need mediation for a dispute with our neighbour"],
    "government-services.service-consultation": [
        "what are the opening hours of the government service centre"
    ],
    "government-services.approval-services": [
        "my business licence application has been pending for weeks"
    ],
    "government-services.work-conduct": [
        "the staff at the service window were rude and made me come back many times"
    ],
    "government-services.business-environment": [
        "the government still owes our company money for a project"
    ],
    "government-services.tax-services": ["when will my individual income tax refund arrive"],
}

# Plausible other handlers, used for ~8 % of the lines; "township" otherwise.
ALT_KINDS: dict[str, list[str]] = {
    "urban-rural-construction.housing-delivery": ["natural-resources-planning"],
    "urban-rural-construction.construction-site": [
        "comprehensive-law-enforcement",
        "ecology-environment",
    ],
    "urban-rural-construction.provident-fund": ["housing-urban-rural-development"],
    "urban-management.street-vending": ["township", "market-regulation"],
    "urban-management.illegal-construction": ["natural-resources-planning", "township"],
    "urban-management.municipal-facilities": ["housing-urban-rural-development", "transport"],
    "urban-management.cooking-fumes": ["ecology-environment"],
    "market.food-safety": ["health"],
    "market.price-charges": ["development-reform"],
    "market.special-equipment": ["housing-urban-rural-development"],
    "labor.wage-arrears": ["housing-urban-rural-development", "township"],
    "labor.labor-relations": ["justice"],
    "social-security.pension": ["tax"],
    "medical-security.reimbursement": ["health"],
    "health.medical-services": ["medical-security"],
    "health.public-health": ["medical-security"],
    "education.school-management": ["market-regulation"],
    "transport.taxi-ride-hailing": ["public-security"],
    "transport.road-maintenance": ["comprehensive-law-enforcement"],
    "ecology.air-pollution": ["comprehensive-law-enforcement", "agriculture-rural-affairs"],
    "ecology.water-pollution": ["water-resources", "agriculture-rural-affairs"],
    "ecology.noise": ["public-security"],
    "ecology.river-lake": ["ecology-environment", "township"],
    "utilities.water": ["water-resources"],
    "utilities.rural-water": ["water-supply", "township"],
    "utilities.gas": ["emergency-management"],
    "agriculture.land-contract": ["township", "natural-resources-planning"],
    "agriculture.agri-inputs": ["market-regulation"],
    "agriculture.village-affairs": ["agriculture-rural-affairs"],
    "natural-resources.illegal-land-use": ["agriculture-rural-affairs", "township"],
    "natural-resources.real-estate-registration": ["housing-urban-rural-development"],
    "civil-affairs.disability-services": ["civil-affairs"],
    "civil-affairs.veterans-services": ["civil-affairs"],
    "public-security.household-registration": ["government-service-center"],
    "public-security.traffic-management": ["transport", "comprehensive-law-enforcement"],
    "public-security.public-order": ["comprehensive-law-enforcement", "township"],
    "emergency.safety-hazards": ["fire-rescue", "township"],
    "emergency.fire-safety": ["emergency-management", "township"],
    "emergency.disaster-relief": ["civil-affairs", "township"],
    "culture-tourism.tourism-culture": ["market-regulation"],
    "legal.dispute-mediation": ["justice"],
    "government-services.service-consultation": ["government-service-center"],
    "government-services.approval-services": ["market-regulation"],
    "government-services.work-conduct": ["administrative-approval-services"],
    "government-services.business-environment": ["administrative-approval-services"],
    "government-services.tax-services": ["human-resources-social-security"],
}

# --- registers -------------------------------------------------------------------------------
# (type, template); {p} is the problem sentence, {p2} a second one from the same category.
ZH_REGISTERS: list[tuple[str, str]] = [
    ("complaint", "{p}！！{time}了都没人管，你们到底管不管？"),
    ("complaint", "我要投诉，{p}，打了好几次电话了，一点用没有"),
    ("complaint", "{p}，气死我了，再不处理我就去找媒体曝光"),
    ("complaint", "反映个问题：{p}。希望尽快处理，不要再推了"),
    ("consultation", "您好，我想咨询一下，{p}，这个归哪里管？谢谢"),
    ("consultation", "你好，请问{p}，应该找哪个部门？"),
    ("consultation", "麻烦问一下哈，{p}，我该怎么办呢"),
    ("assistance", "喂，姑娘啊，我是{town}{village}的，今年七十多了，{p}，你们给俺想想办法吧"),
    ("assistance", "求助！{p}，家里就我和老伴，实在没办法了"),
    ("assistance", "{time}{p}，帮帮忙吧"),
    ("complaint", "我住{town}{compound}，{p}然后{p2}然后找谁都说不归他们管我真是没办法了"),
    ("complaint", "{town}{road}这边，{p}，{clock}的时候最严重，电话号码138****{num4}"),
    ("report", "我要举报，{p}，我不方便留名字，希望保密"),
    ("suggestion", "建议一下：{p}，希望有关部门重视一下，把这个事管起来"),
    ("praise", "我想表扬一下，之前反映过{p}，工作人员很快就来处理了，态度特别好"),
    ("complaint", "{p}"),
    ("consultation", "{p}？"),
]
EN_REGISTERS: list[tuple[str, str]] = [
    ("complaint", "Hello, {p}. This has gone on for weeks and nobody does anything!"),
    ("consultation", "Hi, I live in {place}. {P}, which department should I contact?"),
    ("assistance", "Please help, {p}."),
    ("complaint", "I want to complain: {p} ({place})."),
    ("report", "I would like to report that {p}, near {place}."),
    ("suggestion", "Suggestion: {p}; please fix this in {place}."),
]
TYPOS = [
    ("已经", "以经"),
    ("反映", "反应"),
    ("的", "得"),
    ("在", "再"),
    ("没有", "没由"),
    ("投诉", "投述"),
    ("一直", "一只"),
    ("处理", "处里"),
    ("这个", "这各"),
]
TYPE_KEYWORD_HINTS = ["就是{kw}的问题", "{kw}这个事", "说的是{kw}", "关于{kw}"]


def load_categories(path: Path = SEED_FILE) -> list[dict[str, Any]]:
    """The level-2 categories of data/seed/hotline.json, in file order."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in data["categories"] if c["level"] == 2]


def _fill(template: str, rng: random.Random, region: str) -> str:
    places = PLACES[region]
    values = {
        "compound": rng.choice(places["compound"]),
        "village": rng.choice(places["village"]),
        "road": rng.choice(places["road"]),
        "town": rng.choice(places["town"]),
        "landmark": rng.choice(places["landmark"]),
        "shop": rng.choice(SHOPS),
        "time": rng.choice(TIMES),
        "clock": rng.choice(CLOCK),
        "num": str(rng.choice([2, 3, 5, 6, 8, 10, 12, 15, 20])),
        "num4": f"{rng.randrange(10000):04d}",
        "money": str(rng.choice([200, 500, 800, 1500, 3000, 6800, 12000])),
    }
    return template.format(**values)


def _fill_en(template: str, rng: random.Random, region: str) -> str:
    values = {
        "compound": rng.choice(EN_PLACES[region]),
        "road": rng.choice(EN_PLACES[region]),
        "village": rng.choice(EN_PLACES[region]),
        "num": str(rng.choice([2, 3, 5, 8, 12, 20])),
    }
    return template.format(**values)


def _typos(text: str, rng: random.Random) -> str:
    for right, wrong in rng.sample(TYPOS, 2):
        if right in text:
            text = text.replace(right, wrong, 1)
    return text


def make_line(category: dict[str, Any], rng: random.Random, region: str) -> dict[str, str]:
    code = category["code"]
    problem_index = -1
    if rng.random() < ENGLISH_RATE:
        kind, template = rng.choice(EN_REGISTERS)
        problem = _fill_en(rng.choice(EN[code]), rng, region)
        text = template.format(
            p=problem, P=problem[0].upper() + problem[1:], place=rng.choice(EN_PLACES[region])
        )
    else:
        kind, template = rng.choice(ZH_REGISTERS)
        problem_index, other = rng.sample(range(len(ZH[code])), 2)
        first, second = ZH[code][problem_index], ZH[code][other]
        problem = _fill(first, rng, region)
        if rng.random() < 0.2:
            hint = rng.choice(TYPE_KEYWORD_HINTS).format(kw=rng.choice(category["keywords_zh"]))
            problem = f"{problem}，{hint}" if rng.random() < 0.5 else f"{hint}，{problem}"
        text = _fill(template.replace("{p}", "{{p}}").replace("{p2}", "{{p2}}"), rng, region)
        text = text.format(p=problem, p2=_fill(second, rng, region))
        if rng.random() < 0.15:
            text = _typos(text, rng)
    handler = category["default_kind"]
    prone = ALT_PRONE.get(code)
    if prone and prone[0] == problem_index and rng.random() < ALT_PRONE_RATE:
        handler = prone[1]
    elif rng.random() < ALT_KIND_RATE:
        handler = rng.choice(ALT_KINDS.get(code, ["township"]))
    return {"text": text, "category": code, "kind": handler, "region": region, "type": kind}


def generate(n: int = 2000, *, seed: int = SEED) -> list[dict[str, str]]:
    """`n` synthetic requests; the same seed gives the same lines in the same order.

    Every level-2 category gets at least 12 lines (when n allows); the rest follow uneven,
    seeded category weights, as real volumes are uneven.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    categories = load_categories()
    weights = [rng.uniform(0.5, 2.0) for _ in categories]
    floor = min(12, n // len(categories))
    chosen = [c for c in categories for _ in range(floor)]
    chosen += rng.choices(categories, weights=weights, k=n - len(chosen))
    rng.shuffle(chosen)
    regions = sorted(PLACES)
    return [make_line(c, rng, regions[i % 2]) for i, c in enumerate(chosen)]


def write(path: Path, lines: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    write(args.out, generate(args.n, seed=args.seed))


if __name__ == "__main__":
    main()
